import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ConfirmChannel, ConsumeMessage, Message } from 'amqplib';
import { isAppError } from '@flowstack/errors';
import { runWithContext, type Logger, type QueueMetrics } from '@flowstack/observability';
import { settleWithin, type Generation } from './generation.js';
import { describeError } from './queue-errors.js';
import {
  HEADER,
  applicationHeaders,
  assertConsumerTopology,
  movesExchangeName,
  copyHeaders,
  deadLetterQueueName,
  readAttempt,
  retryDelayFor,
  retryQueueName,
} from './topology.js';
import { traceConsume } from './tracing.js';
import type {
  ConsumedMessage,
  Consumer,
  ConsumerSpec,
  FailureAction,
  SettledEvent,
} from './types.js';

export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
/** Pause before requeueing a message whose retry/dead-letter copy the broker refused. */
const REQUEUE_PAUSE_MS = 1_000;

export interface ConsumerHost {
  readonly current: Generation | undefined;
  readonly logger: Logger;
  readonly metrics: QueueMetrics;
  backoff(attempt: number): number;
  forget(consumer: QueueConsumer): void;
}

/** Default: a client-side AppError (status < 500) is poison; anything else may pass on retry. */
export function defaultClassifyFailure(error: unknown): FailureAction {
  return isAppError(error) && error.status < 500 ? 'dead-letter' : 'retry';
}

type Outcome = SettledEvent['outcome'];

interface Delivery {
  message: ConsumeMessage;
  messageId: string;
  attempt: number;
  /** Headers for a retry or dead-letter copy (original routing key and exchange kept). */
  copy: Record<string, unknown>;
  started: number;
  /** Undefined when the body is not JSON. */
  consumed: ConsumedMessage | undefined;
  parseError: unknown;
}

/** One consuming confirm channel of one consumer on one generation. */
class Attachment {
  private channel: ConfirmChannel | undefined;
  private consumerTag: string | undefined;
  private state: 'starting' | 'consuming' | 'stopping' | 'closed' = 'starting';
  private readonly inFlight = new Set<Promise<void>>();
  private readonly returned = new Set<string>();
  /** Delivery tags of this channel not acked or nacked yet (tags only grow on a channel). */
  private readonly unsettled = new Set<number>();
  /** Batch mode: handled deliveries waiting for older ones before one ack(multiple) covers them. */
  private readonly handled = new Map<number, Delivery>();
  /** Batch mode: deliveries waiting for the next flush. */
  private readonly pending: Delivery[] = [];
  private flushTimer:
    | { kind: 'immediate'; handle: NodeJS.Immediate }
    | { kind: 'timeout'; handle: NodeJS.Timeout }
    | undefined;
  started: Promise<void> = Promise.resolve();

  constructor(
    readonly generation: Generation,
    private readonly spec: ConsumerSpec,
    private readonly host: ConsumerHost,
    private readonly logger: Logger,
    private readonly onLost: (attachment: Attachment) => void,
    private readonly onSettled: (event: SettledEvent) => void,
  ) {}

  async start(): Promise<void> {
    const channel = await this.generation.model.createConfirmChannel();
    this.channel = channel;
    channel.on('error', (error: unknown) => {
      this.logger.error({ error: describeError(error) }, 'consumer channel error');
    });
    channel.on('close', () => {
      const wasConsuming = this.state === 'consuming';
      this.state = 'closed';
      // Unacked deliveries return to the queue with the channel; a partial batch is dropped.
      this.cancelFlush();
      this.pending.length = 0;
      this.handled.clear();
      if (wasConsuming) this.onLost(this);
    });
    channel.on('return', (message: Message) => {
      const messageId: unknown = message.properties.messageId;
      if (typeof messageId === 'string') this.returned.add(messageId);
    });
    await channel.prefetch(this.spec.prefetch);
    await assertConsumerTopology(channel, this.spec);
    const reply = await channel.consume(
      this.spec.queue,
      (message) => {
        this.onMessage(channel, message);
      },
      { noAck: false },
    );
    this.consumerTag = reply.consumerTag;
    if (this.state === 'starting') this.state = 'consuming';
  }

  /** Cancel, let in-flight handlers finish and settle (bounded), close the channel. */
  async stop(drainTimeoutMs: number): Promise<void> {
    await this.started.catch(() => undefined);
    const channel = this.channel;
    if (this.state === 'consuming') {
      this.state = 'stopping';
      if (channel !== undefined && this.consumerTag !== undefined) {
        await channel.cancel(this.consumerTag).catch(() => undefined);
      }
    }
    // A partial batch is handled now rather than left to the broker's redelivery.
    if (channel !== undefined && this.pending.length > 0) this.flush(channel);
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
    await this.channel?.close().catch(() => undefined);
  }

  private onMessage(channel: ConfirmChannel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled us (queue deleted): closing makes the consumer re-attach and re-declare.
      this.logger.warn('the broker cancelled the consumer; re-attaching');
      channel.close().catch(() => undefined);
      return;
    }
    this.unsettled.add(message.fields.deliveryTag);
    const delivery = this.receive(message);
    if (this.spec.batch === undefined || delivery.consumed === undefined) {
      this.track(
        runWithContext({ messageId: delivery.messageId }, () => this.handleOne(channel, delivery)),
      );
      return;
    }
    this.pending.push(delivery);
    if (this.pending.length >= this.spec.batch.maxMessages) this.flush(channel);
    else this.scheduleFlush(channel, this.spec.batch.maxWaitMs ?? 0);
  }

  private track(promise: Promise<void>): void {
    const work: Promise<void> = promise
      .catch((error: unknown) => {
        this.logger.error({ error: describeError(error) }, 'message handling failed unexpectedly');
      })
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  /** Reads the delivery's id, attempt and origin and decodes its body (undefined: not JSON). */
  private receive(message: ConsumeMessage): Delivery {
    const headers: Record<string, unknown> = { ...message.properties.headers };
    const rawId: unknown = message.properties.messageId;
    const messageId =
      typeof rawId === 'string' && rawId !== '' ? rawId : `generated-${randomUUID()}`;
    const attempt = readAttempt(headers);
    const originalKey = headers[HEADER.routingKey];
    const routingKey = typeof originalKey === 'string' ? originalKey : message.fields.routingKey;
    const originalExchange = headers[HEADER.exchange];
    const exchange =
      typeof originalExchange === 'string' ? originalExchange : message.fields.exchange;
    this.host.metrics.consumed.inc({ queue: this.spec.queue });
    const copy = { ...headers, [HEADER.routingKey]: routingKey, [HEADER.exchange]: exchange };
    const started = performance.now();
    let body: unknown;
    try {
      body = JSON.parse(message.content.toString('utf8'));
    } catch (error) {
      return { message, messageId, attempt, copy, started, consumed: undefined, parseError: error };
    }
    const consumed: ConsumedMessage = {
      body,
      messageId,
      attempt,
      routingKey,
      headers: applicationHeaders(headers),
      redelivered: message.fields.redelivered,
    };
    return { message, messageId, attempt, copy, started, consumed, parseError: undefined };
  }

  private async handleOne(channel: ConfirmChannel, delivery: Delivery): Promise<void> {
    const { message, messageId, attempt, copy, started, consumed } = delivery;
    let outcome: Outcome;
    if (consumed === undefined) {
      this.logger.warn({ attempt }, 'message body is not JSON; dead-lettering');
      outcome = await this.deadLetter(
        channel,
        message,
        messageId,
        copy,
        attempt,
        delivery.parseError,
      );
      this.observe(outcome, started, messageId);
      return;
    }
    try {
      await traceConsume(this.spec.queue, [message.properties.headers ?? {}], () =>
        this.spec.handle(consumed),
      );
    } catch (error) {
      const action = this.classify(error);
      if (action === 'retry' && attempt < this.spec.maxAttempts) {
        this.logger.warn({ attempt, error: describeError(error) }, 'handler failed; retrying');
        outcome = await this.retry(channel, message, messageId, copy, attempt);
      } else {
        this.logger.error(
          { attempt, action, error: describeError(error) },
          'handler failed; dead-lettering',
        );
        outcome = await this.deadLetter(channel, message, messageId, copy, attempt, error);
      }
      this.observe(outcome, started, messageId);
      return;
    }
    outcome = this.settle(channel, message, 'ack');
    this.observe(outcome, started, messageId);
  }

  private scheduleFlush(channel: ConfirmChannel, waitMs: number): void {
    if (this.flushTimer !== undefined) return;
    const flush = () => {
      this.flushTimer = undefined;
      this.flush(channel);
    };
    // setImmediate runs after the I/O turn, so every delivery that came in one socket read joins.
    this.flushTimer =
      waitMs === 0
        ? { kind: 'immediate', handle: setImmediate(flush) }
        : { kind: 'timeout', handle: setTimeout(flush, waitMs) };
  }

  private cancelFlush(): void {
    const timer = this.flushTimer;
    this.flushTimer = undefined;
    if (timer?.kind === 'immediate') clearImmediate(timer.handle);
    if (timer?.kind === 'timeout') clearTimeout(timer.handle);
  }

  private flush(channel: ConfirmChannel): void {
    this.cancelFlush();
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    this.track(this.handleBatch(channel, batch));
  }

  private async handleBatch(channel: ConfirmChannel, batch: Delivery[]): Promise<void> {
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
        { size: batch.length, error: describeError(error) },
        'batch failed; handling its messages one by one',
      );
      await Promise.all(
        batch.map((delivery) =>
          runWithContext({ messageId: delivery.messageId }, () =>
            this.handleOne(channel, delivery),
          ),
        ),
      );
      return;
    }
    this.ackBatch(channel, batch);
  }

  /**
   * Marks the batch handled and acks, with one `ack(multiple)`, everything handled up to the
   * oldest delivery still being worked on: one frame for one or more batches instead of one per
   * message. Nothing is acked before it was handled; a batch that finished before an older one
   * waits for it (a crash meanwhile redelivers it, and the handler is idempotent).
   */
  private ackBatch(channel: ConfirmChannel, batch: Delivery[]): void {
    for (const delivery of batch) this.handled.set(delivery.message.fields.deliveryTag, delivery);
    this.ackHandled(channel);
  }

  private ackHandled(channel: ConfirmChannel): void {
    if (this.handled.size === 0) return;
    let oldestBusy = Infinity;
    for (const tag of this.unsettled) {
      if (tag < oldestBusy && !this.handled.has(tag)) oldestBusy = tag;
    }
    let upTo: Delivery | undefined;
    const acked: Delivery[] = [];
    for (const [tag, delivery] of this.handled) {
      if (tag >= oldestBusy) continue;
      acked.push(delivery);
      if (upTo === undefined || tag > upTo.message.fields.deliveryTag) upTo = delivery;
    }
    if (upTo === undefined) return;
    let outcome: Outcome = 'ack';
    try {
      channel.ack(upTo.message, true);
      this.host.metrics.acked.inc({ queue: this.spec.queue }, acked.length);
    } catch (error) {
      this.logger.warn(
        { error: describeError(error) },
        'could not ack (channel closed); the broker will redeliver the batch',
      );
      outcome = 'requeue';
    }
    for (const delivery of acked) {
      const tag = delivery.message.fields.deliveryTag;
      this.handled.delete(tag);
      this.unsettled.delete(tag);
      this.observe(outcome, delivery.started, delivery.messageId);
    }
  }

  private classify(error: unknown): FailureAction {
    try {
      return (this.spec.classifyFailure ?? defaultClassifyFailure)(error);
    } catch {
      return 'retry';
    }
  }

  /** Every delivery ends here exactly once: the duration metric and the `settled` event. */
  private observe(outcome: Outcome, started: number, messageId: string): void {
    this.host.metrics.handlerDuration.observe(
      { queue: this.spec.queue, outcome },
      (performance.now() - started) / 1000,
    );
    this.onSettled({ queue: this.spec.queue, messageId, outcome });
  }

  private async retry(
    channel: ConfirmChannel,
    message: ConsumeMessage,
    messageId: string,
    headers: Record<string, unknown>,
    attempt: number,
  ): Promise<Outcome> {
    const next = attempt + 1;
    const delay = retryDelayFor(this.spec.retryDelaysMs, next);
    const target = delay > 0 ? retryQueueName(this.spec.queue, delay) : this.spec.queue;
    const moved = await this.moveTo(channel, message, messageId, target, {
      ...headers,
      [HEADER.attempt]: next,
    });
    if (!moved) return 'requeue';
    this.host.metrics.retried.inc({ queue: this.spec.queue });
    return this.settle(channel, message, 'retry');
  }

  private async deadLetter(
    channel: ConfirmChannel,
    message: ConsumeMessage,
    messageId: string,
    headers: Record<string, unknown>,
    attempt: number,
    error: unknown,
  ): Promise<Outcome> {
    const moved = await this.moveTo(
      channel,
      message,
      messageId,
      deadLetterQueueName(this.spec.queue),
      {
        ...headers,
        [HEADER.attempt]: attempt,
        [HEADER.deathReason]: describeError(error),
        [HEADER.deathQueue]: this.spec.queue,
        [HEADER.deadLetteredAt]: new Date().toISOString(),
      },
    );
    if (!moved) return 'requeue';
    this.host.metrics.deadLettered.inc({ queue: this.spec.queue });
    return this.settle(channel, message, 'dead-letter');
  }

  /**
   * Publishes a copy and waits for the broker's confirm; only then may the original be acked.
   * A crash in between duplicates the message, never loses it.
   */
  private async moveTo(
    channel: ConfirmChannel,
    message: ConsumeMessage,
    messageId: string,
    queue: string,
    headers: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await new Promise<void>((resolve, reject) => {
        channel.publish(
          movesExchangeName(this.spec.queue),
          queue,
          message.content,
          {
            persistent: true,
            mandatory: true,
            messageId,
            contentType: message.properties.contentType as string | undefined,
            timestamp: message.properties.timestamp as number | undefined,
            headers: copyHeaders(headers),
          },
          (error: unknown) => {
            if (error !== null && error !== undefined) reject(toError(error));
            else if (this.returned.delete(messageId))
              reject(new Error(`queue ${queue} is missing`));
            else resolve();
          },
        );
      });
      return true;
    } catch (error) {
      this.logger.error(
        { target: queue, error: describeError(error) },
        'could not move the message; it stays in the queue',
      );
      // Requeue after a pause so a refusing broker does not turn into a hot redelivery loop.
      await new Promise((resolve) => setTimeout(resolve, REQUEUE_PAUSE_MS));
      try {
        channel.nack(message, false, true);
        this.unsettled.delete(message.fields.deliveryTag);
        this.ackHandled(channel);
      } catch {
        // The channel is gone: the broker has already put the message back.
      }
      return false;
    }
  }

  private settle(channel: ConfirmChannel, message: ConsumeMessage, outcome: Outcome): Outcome {
    try {
      channel.ack(message);
      this.unsettled.delete(message.fields.deliveryTag);
      this.ackHandled(channel);
      if (outcome === 'ack') this.host.metrics.acked.inc({ queue: this.spec.queue });
      return outcome;
    } catch (error) {
      this.logger.warn(
        { error: describeError(error) },
        'could not ack (channel closed); the broker will redeliver the message',
      );
      return 'requeue';
    }
  }
}

/** A consumer that follows the connection across reconnects and credential rotations. */
export class QueueConsumer extends EventEmitter<{ settled: [SettledEvent] }> implements Consumer {
  private readonly attachments = new Map<Generation, Attachment>();
  private readonly logger: Logger;
  private stopped = false;
  private failures = 0;
  private reattachTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly host: ConsumerHost,
    readonly spec: ConsumerSpec,
  ) {
    super();
    this.logger = host.logger.child({ queue: spec.queue });
  }

  /** Starts consuming on `generation`; resolves once the broker delivers to us. */
  attach(generation: Generation): Promise<void> {
    if (this.stopped || generation.closed || generation.retiring) return Promise.resolve();
    const existing = this.attachments.get(generation);
    if (existing !== undefined) return existing.started;
    const attachment = new Attachment(
      generation,
      this.spec,
      this.host,
      this.logger,
      (lost) => this.onLost(lost),
      (event) => this.emit('settled', event),
    );
    this.attachments.set(generation, attachment);
    attachment.started = attachment.start().then(
      () => {
        this.failures = 0;
      },
      async (error: unknown) => {
        if (this.attachments.get(generation) === attachment) this.attachments.delete(generation);
        await attachment.abandon();
        throw error;
      },
    );
    return attachment.started;
  }

  async detach(generation: Generation): Promise<void> {
    const attachment = this.attachments.get(generation);
    if (attachment === undefined) return;
    await attachment.stop(this.drainTimeoutMs);
    if (this.attachments.get(generation) === attachment) this.attachments.delete(generation);
  }

  /** After a channel error on a healthy connection: try again later, with backoff. */
  scheduleReattach(generation: Generation): void {
    if (this.reattachTimer !== undefined || !this.mayAttach(generation)) return;
    this.failures += 1;
    const delay = this.host.backoff(this.failures);
    this.logger.warn({ delayMs: delay }, 'consumer channel lost; re-attaching');
    this.reattachTimer = setTimeout(() => {
      this.reattachTimer = undefined;
      if (!this.mayAttach(generation)) return;
      this.attach(generation).catch((error: unknown) => {
        this.logger.error({ error: describeError(error) }, 'consumer could not re-attach');
        this.scheduleReattach(generation);
      });
    }, delay);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reattachTimer);
    this.reattachTimer = undefined;
    await Promise.all([...this.attachments.keys()].map((generation) => this.detach(generation)));
    this.host.forget(this);
  }

  private get drainTimeoutMs(): number {
    return this.spec.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  }

  private mayAttach(generation: Generation): boolean {
    return (
      !this.stopped &&
      !generation.closed &&
      !generation.retiring &&
      this.host.current === generation
    );
  }

  private onLost(attachment: Attachment): void {
    if (this.attachments.get(attachment.generation) === attachment) {
      this.attachments.delete(attachment.generation);
    }
    // A lost connection is handled by the connection (it re-attaches every consumer).
    queueMicrotask(() => this.scheduleReattach(attachment.generation));
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
