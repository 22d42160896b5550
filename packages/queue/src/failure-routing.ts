import type { ConfirmChannel, Message } from 'amqplib';
import { isAppError } from '@flowstack/errors';
import type { Logger, QueueMetrics } from '@flowstack/observability';
import type { Delivery } from './delivery.js';
import { describeError } from './queue-errors.js';
import type { Settlement } from './settlement.js';
import {
  HEADER,
  copyHeaders,
  deadLetterQueueName,
  movesExchangeName,
  retryDelayFor,
  retryQueueName,
} from './topology.js';
import type { ConsumerSpec, FailureAction } from './types.js';

/** Pause before requeueing a message whose retry/dead-letter copy the broker refused. */
const REQUEUE_PAUSE_MS = 1_000;

/** Default: a client-side AppError (status < 500) is poison; anything else may pass on retry. */
export function defaultClassifyFailure(error: unknown): FailureAction {
  return isAppError(error) && error.status < 500 ? 'dead-letter' : 'retry';
}

/**
 * Where a failed delivery goes: a retry queue (with its attempt counted) while attempts remain and
 * the failure may pass, the dead-letter queue otherwise. The copy is confirmed before the original
 * is acked, so a crash in between duplicates the message, never loses it.
 */
export class FailureRouter {
  /** Message ids the broker returned as unroutable (mandatory publish to a missing queue). */
  private readonly returned = new Set<string>();

  constructor(
    private readonly channel: ConfirmChannel,
    private readonly spec: ConsumerSpec,
    private readonly settlement: Settlement,
    private readonly metrics: QueueMetrics,
    private readonly logger: Logger,
  ) {}

  /** Feed the channel's `return` events. */
  noteReturned(message: Message): void {
    const messageId: unknown = message.properties.messageId;
    if (typeof messageId === 'string') this.returned.add(messageId);
  }

  async route(delivery: Delivery, error: unknown): Promise<void> {
    const action = this.classify(error);
    const { attempt } = delivery;
    if (action === 'retry' && attempt < this.spec.maxAttempts) {
      this.logger.warn({ attempt, err: describeError(error) }, 'handler failed; retrying');
      await this.retry(delivery);
      return;
    }
    this.logger.error(
      { attempt, action, err: describeError(error) },
      'handler failed; dead-lettering',
    );
    await this.deadLetter(delivery, error);
  }

  async deadLetter(delivery: Delivery, error: unknown): Promise<void> {
    const moved = await this.moveTo(delivery, deadLetterQueueName(this.spec.queue), {
      ...delivery.copy,
      [HEADER.attempt]: delivery.attempt,
      [HEADER.deathReason]: describeError(error),
      [HEADER.deathQueue]: this.spec.queue,
      [HEADER.deadLetteredAt]: new Date().toISOString(),
    });
    if (!moved) return;
    this.metrics.deadLettered.inc({ queue: this.spec.queue });
    this.settlement.settle(delivery, 'dead-letter');
  }

  private async retry(delivery: Delivery): Promise<void> {
    const next = delivery.attempt + 1;
    const delay = retryDelayFor(this.spec.retryDelaysMs, next);
    const target = delay > 0 ? retryQueueName(this.spec.queue, delay) : this.spec.queue;
    const moved = await this.moveTo(delivery, target, { ...delivery.copy, [HEADER.attempt]: next });
    if (!moved) return;
    this.metrics.retried.inc({ queue: this.spec.queue });
    this.settlement.settle(delivery, 'retry');
  }

  private classify(error: unknown): FailureAction {
    try {
      return (this.spec.classifyFailure ?? defaultClassifyFailure)(error);
    } catch {
      return 'retry';
    }
  }

  /** Publishes a copy and waits for the broker's confirm; false (and requeued) when refused. */
  private async moveTo(
    delivery: Delivery,
    queue: string,
    headers: Record<string, unknown>,
  ): Promise<boolean> {
    const { message, messageId } = delivery;
    try {
      await new Promise<void>((resolve, reject) => {
        this.channel.publish(
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
            if (error !== null && error !== undefined) {
              reject(toError(error));
            } else if (this.returned.delete(messageId)) {
              reject(new Error(`queue ${queue} is missing`));
            } else {
              resolve();
            }
          },
        );
      });
      return true;
    } catch (error) {
      this.logger.error(
        { target: queue, err: describeError(error) },
        'could not move the message; it stays in the queue',
      );
      // Requeue after a pause so a refusing broker does not turn into a hot redelivery loop.
      await new Promise((resolve) => setTimeout(resolve, REQUEUE_PAUSE_MS));
      this.settlement.requeue(delivery);
      return false;
    }
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
