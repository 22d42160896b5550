import type { Message } from 'amqplib';
import type { Logger } from '@flowstack/observability';
import type { Delivery } from './delivery.js';
import { describeError } from './queue-errors.js';
import type { SettledEvent } from './types.js';

export type Outcome = SettledEvent['outcome'];

/** The part of an AMQP channel that settles deliveries. */
export interface AckChannel {
  ack(message: Message, allUpTo?: boolean): void;
  nack(message: Message, allUpTo?: boolean, requeue?: boolean): void;
}

export interface SettlementListener {
  /** `count` messages were acked as handled (not retry or dead-letter moves). */
  acked(count: number): void;
  /** Once per delivery, after the broker was told (or the channel was found closed). */
  settled(delivery: Delivery, outcome: Outcome): void;
}

/**
 * What one channel still owes the broker. Single deliveries are acked one by one; handled batches
 * wait for every older delivery and are then acked together with one `ack(multiple)`: one frame
 * for one or more batches instead of one per message. Nothing is acked before it was handled; a
 * batch that finished before an older one waits for it (a crash meanwhile redelivers it, and the
 * handler is idempotent).
 */
export class Settlement {
  /** Delivery tags of this channel not acked or nacked yet (tags only grow on a channel). */
  private readonly unsettled = new Set<number>();
  /** Handled batch deliveries waiting for older ones before one ack(multiple) covers them. */
  private readonly handled = new Map<number, Delivery>();

  constructor(
    private readonly channel: AckChannel,
    private readonly listener: SettlementListener,
    private readonly logger: Logger,
  ) {}

  received(delivery: Delivery): void {
    this.unsettled.add(delivery.message.fields.deliveryTag);
  }

  /** Acks one delivery: it was handled, or its retry/dead-letter copy is confirmed. */
  settle(delivery: Delivery, outcome: 'ack' | 'retry' | 'dead-letter'): void {
    try {
      this.channel.ack(delivery.message);
      this.unsettled.delete(delivery.message.fields.deliveryTag);
      this.ackHandled();
      if (outcome === 'ack') this.listener.acked(1);
      this.listener.settled(delivery, outcome);
    } catch (error) {
      this.logger.warn(
        { err: describeError(error) },
        'could not ack (channel closed); the broker will redeliver the message',
      );
      this.listener.settled(delivery, 'requeue');
    }
  }

  /** Marks a handled batch and acks everything handled up to the oldest delivery still busy. */
  settleBatch(batch: readonly Delivery[]): void {
    for (const delivery of batch) this.handled.set(delivery.message.fields.deliveryTag, delivery);
    this.ackHandled();
  }

  /** Gives a delivery back to the broker (its copy could not be placed). */
  requeue(delivery: Delivery): void {
    try {
      this.channel.nack(delivery.message, false, true);
      this.unsettled.delete(delivery.message.fields.deliveryTag);
      this.ackHandled();
    } catch {
      // The channel is gone: the broker has already put the message back.
    }
    this.listener.settled(delivery, 'requeue');
  }

  /** The channel closed: the broker takes every unsettled delivery back. */
  reset(): void {
    this.unsettled.clear();
    this.handled.clear();
  }

  private ackHandled(): void {
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
      this.channel.ack(upTo.message, true);
      this.listener.acked(acked.length);
    } catch (error) {
      this.logger.warn(
        { err: describeError(error) },
        'could not ack (channel closed); the broker will redeliver the batch',
      );
      outcome = 'requeue';
    }
    for (const delivery of acked) {
      const tag = delivery.message.fields.deliveryTag;
      this.handled.delete(tag);
      this.unsettled.delete(tag);
      this.listener.settled(delivery, outcome);
    }
  }
}
