import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { runWithContext, type Logger, type QueueMetrics } from '@flowstack/observability';
import { BatchGatherer } from './batching.js';
import { readDelivery, type Delivery } from './delivery.js';
import { FailureRouter } from './failure-routing.js';
import { settleWithin, type Generation } from './generation.js';
import { describeError } from './queue-errors.js';
import { Settlement, type Outcome } from './settlement.js';
import { assertConsumerTopology } from './topology.js';
import { traceConsume } from './tracing.js';
import type { ConsumerSpec, SettledEvent } from './types.js';

/** What an attachment needs from its consumer's connection. */
export interface AttachmentHost {
  readonly metrics: QueueMetrics;
}

/** The pieces that live and die with one consuming channel. */
interface Session {
  channel: ConfirmChannel;
  settlement: Settlement;
  router: FailureRouter;
  /** Batch mode only. */
  batches: BatchGatherer | undefined;
}

/** One consuming confirm channel of one consumer on one generation: delivers and handles. */
export class Attachment {
  private session: Session | undefined;
  private consumerTag: string | undefined;
  private state: 'starting' | 'consuming' | 'stopping' | 'closed' = 'starting';
  private readonly inFlight = new Set<Promise<void>>();
  started: Promise<void> = Promise.resolve();

  constructor(
    readonly generation: Generation,
    private readonly spec: ConsumerSpec,
    private readonly host: AttachmentHost,
    private readonly logger: Logger,
    private readonly onLost: (attachment: Attachment) => void,
    private readonly onSettled: (event: SettledEvent) => void,
  ) {}

  async start(): Promise<void> {
    const channel = await this.generation.model.createConfirmChannel();
    const session = this.openSession(channel);
    this.session = session;
    channel.on('error', (error: unknown) => {
      this.logger.error({ err: describeError(error) }, 'consumer channel error');
    });
    channel.on('close', () => {
      const wasConsuming = this.state === 'consuming';
      this.state = 'closed';
      // Unacked deliveries return to the queue with the channel; a partial batch is dropped.
      session.batches?.drop();
      session.settlement.reset();
      if (wasConsuming) this.onLost(this);
    });
    channel.on('return', (message: ConsumeMessage) => session.router.noteReturned(message));
    await channel.prefetch(this.spec.prefetch);
    await assertConsumerTopology(channel, this.spec);
    const reply = await channel.consume(
      this.spec.queue,
      (message) => {
        this.onMessage(session, message);
      },
      { noAck: false },
    );
    this.consumerTag = reply.consumerTag;
    if (this.state === 'starting') this.state = 'consuming';
  }

  /** Cancel, let in-flight handlers finish and settle (bounded), close the channel. */
  async stop(drainTimeoutMs: number): Promise<void> {
    await this.started.catch(() => undefined);
    const channel = this.session?.channel;
    if (this.state === 'consuming') {
      this.state = 'stopping';
      if (channel !== undefined && this.consumerTag !== undefined) {
        await channel.cancel(this.consumerTag).catch(() => undefined);
      }
    }
    // A partial batch is handled now rather than left to the broker's redelivery.
    this.session?.batches?.flush();
    const drained = await settleWithin(Promise.allSettled([...this.inFlight]), drainTimeoutMs);
    if (!drained) {
      this.logger.warn(
        { inFlight: this.inFlight.size, drainTimeoutMs },
        'handlers still running at the drain deadline; their messages return to the queue',
      );
    }
    this.state = 'closed';
    await channel?.close().catch(() => undefined);
  }

  /** After a failed start: close whatever was opened. */
  async abandon(): Promise<void> {
    this.state = 'closed';
    await this.session?.channel.close().catch(() => undefined);
  }

  private openSession(channel: ConfirmChannel): Session {
    const queue = this.spec.queue;
    const settlement = new Settlement(
      channel,
      {
        acked: (count) => this.host.metrics.acked.inc({ queue }, count),
        settled: (delivery, outcome) => this.observe(delivery, outcome),
      },
      this.logger,
    );
    const router = new FailureRouter(
      channel,
      this.spec,
      settlement,
      this.host.metrics,
      this.logger,
    );
    const session: Session = { channel, settlement, router, batches: undefined };
    const batch = this.spec.batch;
    if (batch !== undefined) {
      session.batches = new BatchGatherer(batch, (deliveries) =>
        this.track(this.handleBatch(session, deliveries)),
      );
    }
    return session;
  }

  private onMessage(session: Session, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled us (queue deleted): closing makes the consumer re-attach and re-declare.
      this.logger.warn('the broker cancelled the consumer; re-attaching');
      session.channel.close().catch(() => undefined);
      return;
    }
    const delivery = readDelivery(message);
    this.host.metrics.consumed.inc({ queue: this.spec.queue });
    session.settlement.received(delivery);
    if (session.batches === undefined || delivery.consumed === undefined) {
      this.track(
        runWithContext({ messageId: delivery.messageId }, () => this.handleOne(session, delivery)),
      );
      return;
    }
    session.batches.add(delivery);
  }

  private track(promise: Promise<void>): void {
    const work: Promise<void> = promise
      .catch((error: unknown) => {
        this.logger.error({ err: describeError(error) }, 'message handling failed unexpectedly');
      })
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  private async handleOne(session: Session, delivery: Delivery): Promise<void> {
    const { consumed } = delivery;
    if (consumed === undefined) {
      this.logger.warn({ attempt: delivery.attempt }, 'message body is not JSON; dead-lettering');
      await session.router.deadLetter(delivery, delivery.parseError);
      return;
    }
    try {
      await traceConsume(this.spec.queue, [delivery.message.properties.headers ?? {}], () =>
        this.spec.handle(consumed),
      );
    } catch (error) {
      await session.router.route(delivery, error);
      return;
    }
    session.settlement.settle(delivery, 'ack');
  }

  private async handleBatch(session: Session, batch: Delivery[]): Promise<void> {
    const spec = this.spec.batch;
    if (spec === undefined) return;
    const first = batch[0]!.messageId;
    try {
      await runWithContext({ messageId: `batch:${first}+${batch.length - 1}` }, () =>
        traceConsume(
          this.spec.queue,
          batch.map((delivery) => delivery.message.properties.headers ?? {}),
          () => spec.handle(batch.map((delivery) => delivery.consumed!)),
        ),
      );
    } catch (error) {
      this.logger.warn(
        { size: batch.length, err: describeError(error) },
        'batch failed; handling its messages one by one',
      );
      await Promise.all(
        batch.map((delivery) =>
          runWithContext({ messageId: delivery.messageId }, () =>
            this.handleOne(session, delivery),
          ),
        ),
      );
      return;
    }
    session.settlement.settleBatch(batch);
  }

  /** Every delivery ends here exactly once: the duration metric and the `settled` event. */
  private observe(delivery: Delivery, outcome: Outcome): void {
    this.host.metrics.handlerDuration.observe(
      { queue: this.spec.queue, outcome },
      (performance.now() - delivery.started) / 1000,
    );
    this.onSettled({ queue: this.spec.queue, messageId: delivery.messageId, outcome });
  }
}
