import type { ConsumeMessage, Message } from 'amqplib';
import { captureLogger } from '@flowstack/test-kit';
import { describe, expect, it } from 'vitest';
import type { Delivery } from './delivery.js';
import { Settlement, type AckChannel, type Outcome } from './settlement.js';

/** A channel that records what it was told; `closed` makes it throw like amqplib's. */
class RecordingChannel implements AckChannel {
  readonly frames: string[] = [];
  closed = false;

  ack(message: Message, allUpTo = false): void {
    this.check();
    this.frames.push(`ack ${message.fields.deliveryTag}${allUpTo ? ' multiple' : ''}`);
  }

  nack(message: Message, allUpTo = false, requeue = true): void {
    this.check();
    this.frames.push(
      `nack ${message.fields.deliveryTag}${allUpTo ? ' multiple' : ''}${requeue ? ' requeue' : ''}`,
    );
  }

  private check(): void {
    if (this.closed) throw new Error('Channel closed');
  }
}

function delivery(tag: number): Delivery {
  const message = {
    fields: { deliveryTag: tag, redelivered: false, exchange: 'x', routingKey: 'k' },
    properties: { headers: {}, messageId: `m${tag}` },
    content: Buffer.from('{}'),
  } as unknown as ConsumeMessage;
  return {
    message,
    messageId: `m${tag}`,
    attempt: 1,
    copy: {},
    started: 0,
    consumed: undefined,
    parseError: undefined,
  };
}

function setup() {
  const channel = new RecordingChannel();
  const settled: string[] = [];
  let acked = 0;
  const captured = captureLogger('settlement-test');
  const settlement = new Settlement(
    channel,
    {
      acked: (count) => (acked += count),
      settled: (d: Delivery, outcome: Outcome) => settled.push(`${d.messageId}:${outcome}`),
    },
    captured.logger,
  );
  const receive = (...tags: number[]) =>
    tags.map((tag) => {
      const d = delivery(tag);
      settlement.received(d);
      return d;
    });
  return { channel, settlement, settled, acked: () => acked, receive, captured };
}

describe('Settlement', () => {
  it('when one delivery is handled, then it is acked alone and counted as acked', () => {
    const t = setup();
    const [d1] = t.receive(1);
    t.settlement.settle(d1!, 'ack');
    expect(t.channel.frames).toEqual(['ack 1']);
    expect(t.settled).toEqual(['m1:ack']);
    expect(t.acked()).toBe(1);
  });

  it('when a delivery was moved to a retry or dead-letter queue, then it is acked but not counted as handled', () => {
    const t = setup();
    const [d1, d2] = t.receive(1, 2);
    t.settlement.settle(d1!, 'retry');
    t.settlement.settle(d2!, 'dead-letter');
    expect(t.channel.frames).toEqual(['ack 1', 'ack 2']);
    expect(t.settled).toEqual(['m1:retry', 'm2:dead-letter']);
    expect(t.acked()).toBe(0);
  });

  it('when a batch is handled with nothing older busy, then one ack(multiple) covers it', () => {
    const t = setup();
    const batch = t.receive(1, 2, 3);
    t.settlement.settleBatch(batch);
    expect(t.channel.frames).toEqual(['ack 3 multiple']);
    expect(t.settled).toEqual(['m1:ack', 'm2:ack', 'm3:ack']);
    expect(t.acked()).toBe(3);
  });

  it('when a newer batch finishes before an older delivery, then it waits and is acked with it', () => {
    const t = setup();
    const [d1, d2, d3] = t.receive(1, 2, 3);
    t.settlement.settleBatch([d2!, d3!]);
    expect(t.channel.frames).toEqual([]);
    expect(t.settled).toEqual([]);

    t.settlement.settle(d1!, 'ack');
    expect(t.channel.frames).toEqual(['ack 1', 'ack 3 multiple']);
    expect(t.settled).toEqual(['m2:ack', 'm3:ack', 'm1:ack']);
    expect(t.acked()).toBe(3);
  });

  it('when an older delivery is still busy, then only the handled ones below it are acked', () => {
    const t = setup();
    const [d1, d2, d3, d4] = t.receive(1, 2, 3, 4);
    t.settlement.settleBatch([d1!, d2!]);
    t.settlement.settleBatch([d4!]);
    expect(t.channel.frames).toEqual(['ack 2 multiple']);
    expect(t.settled).toEqual(['m1:ack', 'm2:ack']);
    t.settlement.settle(d3!, 'retry');
    expect(t.channel.frames).toEqual(['ack 2 multiple', 'ack 3', 'ack 4 multiple']);
  });

  it('when a delivery is requeued, then it is nacked with requeue and no longer holds back a batch', () => {
    const t = setup();
    const [d1, d2] = t.receive(1, 2);
    t.settlement.settleBatch([d2!]);
    t.settlement.requeue(d1!);
    expect(t.channel.frames).toEqual(['nack 1 requeue', 'ack 2 multiple']);
    expect(t.settled).toEqual(['m2:ack', 'm1:requeue']);
  });

  it('when the channel is closed, then the outcome is requeue (the broker redelivers) and nothing throws', () => {
    const t = setup();
    const [d1, d2, d3] = t.receive(1, 2, 3);
    t.channel.closed = true;
    t.settlement.settleBatch([d1!, d2!]);
    t.settlement.settle(d3!, 'ack');
    expect(t.channel.frames).toEqual([]);
    expect(t.settled).toEqual(['m1:requeue', 'm2:requeue', 'm3:requeue']);
    const [d4] = t.receive(4);
    t.settlement.requeue(d4!);
    expect(t.settled).toContain('m4:requeue');
    expect(t.acked()).toBe(0);
    expect(t.captured.entries().some((entry) => String(entry.msg).includes('could not ack'))).toBe(
      true,
    );
  });

  it('when the channel was reset, then earlier deliveries no longer hold back a batch', () => {
    const t = setup();
    t.receive(1);
    t.settlement.reset();
    const [d5] = t.receive(5);
    t.settlement.settleBatch([d5!]);
    expect(t.channel.frames).toEqual(['ack 5 multiple']);
  });
});
