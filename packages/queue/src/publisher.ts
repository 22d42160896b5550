import type { ConfirmChannel, Message } from 'amqplib';
import { isAppError } from '@flowstack/errors';
import type { Logger, QueueMetrics } from '@flowstack/observability';
import { settleWithin, type Generation } from './generation.js';
import { describeError, queueUnavailable } from './queue-errors.js';
import { tracePublish } from './tracing.js';
import type { PublishOptions, Publisher, PublisherOptions } from './types.js';

export const DEFAULT_CONFIRM_TIMEOUT_MS = 5_000;

export interface PublisherHost {
  readonly current: Generation | undefined;
  readonly logger: Logger;
  readonly metrics: QueueMetrics;
}

interface PendingPublish {
  readonly messageId: string;
  returned: boolean;
}

/** One confirm channel of one publisher on one generation. */
class PublishLane {
  private closed = false;
  private drained: Promise<void> | undefined;
  private readonly pending = new Set<PendingPublish>();
  private readonly settledListeners = new Set<() => void>();

  private constructor(
    private readonly channel: ConfirmChannel,
    private readonly exchange: string,
    private readonly logger: Logger,
  ) {
    channel.on('error', (error: unknown) => {
      this.logger.error({ exchange, err: describeError(error) }, 'publisher channel error');
    });
    channel.on('close', () => {
      this.closed = true;
    });
    // The broker sends basic.return before basic.ack for an unroutable mandatory message.
    channel.on('return', (message: Message) => {
      const messageId: unknown = message.properties.messageId;
      for (const record of this.pending) {
        if (record.messageId === messageId && !record.returned) {
          record.returned = true;
          break;
        }
      }
    });
  }

  static async open(
    generation: Generation,
    options: PublisherOptions,
    logger: Logger,
  ): Promise<PublishLane> {
    const channel = await generation.model.createConfirmChannel();
    const lane = new PublishLane(channel, options.exchange, logger);
    if (options.assertExchange ?? true) {
      await channel.assertExchange(options.exchange, 'topic', { durable: true });
    }
    return lane;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.channel.once('close', listener);
  }

  async publish(
    routingKey: string,
    content: Buffer,
    options: PublishOptions,
    deadline: number,
    onSent: () => void,
  ): Promise<void> {
    while (this.drained !== undefined && !this.closed) {
      const inTime = await settleWithin(this.drained, deadline - Date.now());
      if (!inTime) throw queueUnavailable('RabbitMQ did not accept more messages in time');
    }
    if (this.closed) throw queueUnavailable('the publisher channel closed');

    const record: PendingPublish = { messageId: options.messageId, returned: false };
    this.pending.add(record);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(queueUnavailable('RabbitMQ did not confirm the message in time')),
          Math.max(deadline - Date.now(), 0),
        );
        const confirmed = (error: unknown): void => {
          clearTimeout(timer);
          if (error !== null && error !== undefined) {
            reject(
              queueUnavailable(`RabbitMQ did not accept the message (${describeError(error)})`),
            );
          } else if (record.returned) {
            reject(queueUnavailable(`no queue is bound for routing key ${routingKey}`));
          } else {
            resolve();
          }
        };
        let accepted: boolean;
        try {
          accepted = this.channel.publish(
            this.exchange,
            routingKey,
            content,
            {
              persistent: true,
              mandatory: true,
              contentType: 'application/json',
              messageId: options.messageId,
              timestamp: Math.floor(Date.now() / 1000),
              headers: { ...options.headers },
            },
            confirmed,
          );
        } catch (error) {
          clearTimeout(timer);
          reject(queueUnavailable('the publisher channel closed', error));
          return;
        }
        onSent();
        if (!accepted) this.waitForDrain();
      });
    } finally {
      this.pending.delete(record);
      if (this.pending.size === 0) for (const listener of this.settledListeners) listener();
    }
  }

  /** Back-pressure: publish returned false, so nothing more goes out until 'drain' (or close). */
  private waitForDrain(): void {
    if (this.drained !== undefined) return;
    this.logger.debug({ exchange: this.exchange }, 'publisher back-pressure: waiting for drain');
    this.drained = new Promise<void>((resolve) => {
      const done = (): void => {
        this.channel.off('drain', done);
        this.channel.off('close', done);
        this.drained = undefined;
        resolve();
      };
      this.channel.on('drain', done);
      this.channel.on('close', done);
    });
  }

  /** Lets outstanding confirms arrive (bounded), then closes the channel. */
  async close(timeoutMs: number): Promise<void> {
    if (this.pending.size > 0) {
      await settleWithin(
        new Promise<void>((resolve) => this.settledListeners.add(resolve)),
        timeoutMs,
      );
    }
    if (this.closed) return;
    await this.channel.close().catch(() => undefined);
  }
}

/** Publishes on a confirm channel of whatever generation is current; never buffers. */
export class ConfirmPublisher implements Publisher {
  private readonly lanes = new Map<Generation, Promise<PublishLane>>();

  constructor(
    private readonly host: PublisherHost,
    private readonly options: PublisherOptions,
  ) {}

  publish(routingKey: string, body: unknown, options: PublishOptions): Promise<void> {
    return tracePublish(this.options.exchange, routingKey, (traceHeaders) =>
      this.send(routingKey, body, { ...options, headers: { ...options.headers, ...traceHeaders } }),
    );
  }

  private async send(routingKey: string, body: unknown, options: PublishOptions): Promise<void> {
    const exchange = this.options.exchange;
    const content = encodeJson(body);
    const timeoutMs =
      options.timeoutMs ?? this.options.confirmTimeoutMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    try {
      const generation = this.host.current;
      if (generation === undefined || generation.closed) {
        throw queueUnavailable('RabbitMQ is not connected');
      }
      const lane = await this.laneWithin(generation, deadline);
      await lane.publish(routingKey, content, options, deadline, () =>
        this.host.metrics.published.inc({ exchange }),
      );
    } catch (error) {
      this.host.metrics.publishFailed.inc({ exchange });
      throw error;
    }
    this.host.metrics.confirmed.inc({ exchange });
  }

  /** Opens the channel ahead of the first publish on a new generation. */
  prepare(generation: Generation): void {
    this.lane(generation).catch((error: unknown) => {
      this.host.logger.warn(
        { exchange: this.options.exchange, err: describeError(error) },
        'could not open the publisher channel; the next publish retries',
      );
    });
  }

  async retire(generation: Generation, timeoutMs: number): Promise<void> {
    const lane = await this.lanes.get(generation)?.catch(() => undefined);
    this.lanes.delete(generation);
    await lane?.close(timeoutMs);
  }

  async close(timeoutMs: number): Promise<void> {
    await Promise.all(
      [...this.lanes.keys()].map((generation) => this.retire(generation, timeoutMs)),
    );
  }

  private async laneWithin(generation: Generation, deadline: number): Promise<PublishLane> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.lane(generation),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(queueUnavailable('could not open a publisher channel in time')),
            Math.max(deadline - Date.now(), 0),
          );
        }),
      ]);
    } catch (error) {
      if (isAppError(error)) throw error;
      throw queueUnavailable(`could not open a publisher channel (${describeError(error)})`, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private lane(generation: Generation): Promise<PublishLane> {
    const existing = this.lanes.get(generation);
    if (existing !== undefined) return existing;
    const opening = PublishLane.open(generation, this.options, this.host.logger);
    this.lanes.set(generation, opening);
    const forget = (): void => {
      if (this.lanes.get(generation) === opening) this.lanes.delete(generation);
    };
    void opening.then((lane) => lane.onClose(forget), forget);
    return opening;
  }
}

function encodeJson(body: unknown): Buffer {
  const text = JSON.stringify(body);
  if (text === undefined) throw new TypeError('a message body must be JSON-serializable');
  return Buffer.from(text, 'utf8');
}
