import { AppError } from '@flowstack/errors';
import { createLogger } from '@flowstack/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEvent, waitFor } from '@flowstack/test-kit';
import { Admin, connectForTest, counterValue, sleep } from '../test/rabbit.js';
import { HEADER, consumerQueues } from './topology.js';
import type { ConsumedMessage, ConsumerSpec, SettledEvent } from './types.js';

let admin: Admin;
beforeAll(async () => {
  admin = await Admin.open();
});
afterAll(async () => {
  await admin.close();
});

/** A connection, a publisher and unique names; everything is removed when the test ends. */
async function setup(prefix: string, retryDelaysMs: number[] = []) {
  const { test, queue, exchange } = await connectForTest(admin, prefix, retryDelaysMs);
  const publisher = test.connection.createPublisher({ exchange });
  const spec = (overrides: Partial<ConsumerSpec>): ConsumerSpec => ({
    queue,
    exchange,
    routingKeys: ['order.*'],
    prefetch: 10,
    maxAttempts: 3,
    retryDelaysMs,
    handle: () => Promise.resolve(),
    ...overrides,
  });
  return { ...test, queue, exchange, publisher, spec };
}

describe('consumer', () => {
  it('when a message is published, then it is confirmed, handled once in its context and acked', async () => {
    const t = await setup('once');
    const received: ConsumedMessage[] = [];
    const handlerLog = createLogger({
      service: 'handler',
      destination: { write: (line: string) => void t.logLines.push(line) },
    });
    const consumer = await t.connection.consume(
      t.spec({
        handle: (message) => {
          received.push(message);
          handlerLog.info('handling');
          return Promise.resolve();
        },
      }),
    );
    const settled = nextEvent<[SettledEvent]>(consumer, 'settled');

    await t.publisher.publish(
      'order.created',
      { orderId: 'o-1', items: [1, 2] },
      { messageId: 'msg-once-1', headers: { 'x-tenant': 'acme' } },
    );

    // Acked means the broker will not deliver it again: no need to wait and see.
    expect((await settled)[0]).toEqual({
      queue: t.queue,
      messageId: 'msg-once-1',
      outcome: 'ack',
    });
    expect(await counterValue(t.metrics, 'flowstack_queue_acked_total', { queue: t.queue })).toBe(
      1,
    );
    expect(received).toHaveLength(1);
    expect(received[0]).toEqual({
      body: { orderId: 'o-1', items: [1, 2] },
      messageId: 'msg-once-1',
      attempt: 1,
      routingKey: 'order.created',
      headers: { 'x-tenant': 'acme' },
      redelivered: false,
    });
    expect(await admin.messageCount(t.queue)).toBe(0);
    const exchange = { exchange: t.exchange };
    expect(await counterValue(t.metrics, 'flowstack_queue_published_total', exchange)).toBe(1);
    expect(await counterValue(t.metrics, 'flowstack_queue_confirmed_total', exchange)).toBe(1);
    expect(
      await counterValue(t.metrics, 'flowstack_queue_consumed_total', { queue: t.queue }),
    ).toBe(1);
    const handling = t.logs().find((line) => line.msg === 'handling');
    expect(handling?.messageId).toBe('msg-once-1');
  });

  it('when a body is not JSON, then it is dead-lettered at once without reaching the handler', async () => {
    const t = await setup('poison-json');
    let calls = 0;
    await t.connection.consume(
      t.spec({
        handle: () => {
          calls += 1;
          return Promise.resolve();
        },
      }),
    );

    admin.channel.publish(t.exchange, 'order.created', Buffer.from('{not json'), {
      messageId: 'msg-bad-json',
      persistent: true,
    });

    await waitFor(async () => (await admin.messageCount(`${t.queue}.dead`)) === 1, 'a dead letter');
    const dead = await admin.channel.get(`${t.queue}.dead`, { noAck: true });
    expect(dead).not.toBe(false);
    if (dead === false) return;
    expect(dead.content.toString()).toBe('{not json');
    expect(dead.properties.messageId).toBe('msg-bad-json');
    expect(String(dead.properties.headers?.[HEADER.deathReason])).toMatch(/^SyntaxError: /);
    expect(dead.properties.headers?.[HEADER.deathQueue]).toBe(t.queue);
    expect(calls).toBe(0);
    expect(await admin.messageCount(t.queue)).toBe(0);
    expect(
      await counterValue(t.metrics, 'flowstack_queue_dead_lettered_total', { queue: t.queue }),
    ).toBe(1);
  });

  it('when the handler throws a 4xx AppError, then the message is dead-lettered at once with the reason', async () => {
    const t = await setup('poison-4xx', [50]);
    let calls = 0;
    await t.connection.consume(
      t.spec({
        handle: () => {
          calls += 1;
          return Promise.reject(AppError.badRequest('quantity must be positive'));
        },
      }),
    );

    await t.publisher.publish(
      'order.created',
      { orderId: 'o-4xx' },
      {
        messageId: 'msg-4xx',
        headers: { 'x-tenant': 'acme' },
      },
    );

    await waitFor(async () => (await admin.messageCount(`${t.queue}.dead`)) === 1, 'a dead letter');
    const dead = await admin.channel.get(`${t.queue}.dead`, { noAck: true });
    if (dead === false) throw new Error('expected a dead letter');
    const headers = dead.properties.headers ?? {};
    expect(JSON.parse(dead.content.toString())).toEqual({ orderId: 'o-4xx' });
    expect(dead.properties.messageId).toBe('msg-4xx');
    expect(headers[HEADER.deathReason]).toBe('AppError: quantity must be positive');
    expect(headers[HEADER.attempt]).toBe(1);
    expect(headers[HEADER.deathQueue]).toBe(t.queue);
    expect(headers[HEADER.routingKey]).toBe('order.created');
    expect(headers['x-tenant']).toBe('acme');
    expect(Number.isNaN(Date.parse(String(headers[HEADER.deadLetteredAt])))).toBe(false);
    expect(calls).toBe(1);
  });

  it('when the handler fails transiently, then it is retried after the delays and succeeds on attempt 3', async () => {
    const t = await setup('retry', [50, 100]);
    const seen: { attempt: number; at: number; message: ConsumedMessage }[] = [];
    await t.connection.consume(
      t.spec({
        maxAttempts: 5,
        handle: (message) => {
          seen.push({ attempt: message.attempt, at: performance.now(), message });
          return message.attempt < 3
            ? Promise.reject(new Error('database is restarting'))
            : Promise.resolve();
        },
      }),
    );

    await t.publisher.publish(
      'order.created',
      { orderId: 'o-retry' },
      {
        messageId: 'msg-retry',
        headers: { 'x-tenant': 'acme' },
      },
    );

    await waitFor(
      async () =>
        (await counterValue(t.metrics, 'flowstack_queue_acked_total', { queue: t.queue })) === 1,
      'the third attempt to succeed',
    );
    expect(seen.map((entry) => entry.attempt)).toEqual([1, 2, 3]);
    const [first, second, third] = seen;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(45);
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(95);
    expect(third!.message).toMatchObject({
      body: { orderId: 'o-retry' },
      messageId: 'msg-retry',
      routingKey: 'order.created',
      headers: { 'x-tenant': 'acme' },
    });
    expect(await counterValue(t.metrics, 'flowstack_queue_retried_total', { queue: t.queue })).toBe(
      2,
    );
    expect(await admin.messageCount(`${t.queue}.dead`)).toBe(0);
    expect(await admin.messageCount(`${t.queue}.retry.50`)).toBe(0);
    expect(await admin.messageCount(`${t.queue}.retry.100`)).toBe(0);
  });

  it('when every attempt fails, then the message is dead-lettered after maxAttempts', async () => {
    const t = await setup('exhausted', [20]);
    let calls = 0;
    const consumer = await t.connection.consume(
      t.spec({
        maxAttempts: 3,
        handle: () => {
          calls += 1;
          return Promise.reject(new Error('still failing'));
        },
      }),
    );
    const deadLettered = nextEvent<[SettledEvent]>(consumer, 'settled', {
      where: (event) => event.outcome === 'dead-letter',
    });

    await t.publisher.publish('order.created', { orderId: 'o-dead' }, { messageId: 'msg-dead' });

    // Settled after the broker confirmed the dead-letter copy, and the original is acked.
    expect((await deadLettered)[0].messageId).toBe('msg-dead');
    const dead = await admin.channel.get(`${t.queue}.dead`, { noAck: true });
    if (dead === false) throw new Error('expected a dead letter');
    expect(dead.properties.headers?.[HEADER.attempt]).toBe(3);
    expect(dead.properties.headers?.[HEADER.deathReason]).toBe('Error: still failing');
    expect(calls).toBe(3);
    expect(await counterValue(t.metrics, 'flowstack_queue_retried_total', { queue: t.queue })).toBe(
      2,
    );
    expect(
      await counterValue(t.metrics, 'flowstack_queue_dead_lettered_total', { queue: t.queue }),
    ).toBe(1);
  });

  it('when classifyFailure says dead-letter, then a 5xx failure is not retried', async () => {
    const t = await setup('classify', [20]);
    let calls = 0;
    await t.connection.consume(
      t.spec({
        classifyFailure: () => 'dead-letter',
        handle: () => {
          calls += 1;
          return Promise.reject(new Error('unknown product'));
        },
      }),
    );
    await t.publisher.publish('order.created', { orderId: 'o-c' }, { messageId: 'msg-c' });
    await waitFor(async () => (await admin.messageCount(`${t.queue}.dead`)) === 1, 'a dead letter');
    expect(calls).toBe(1);
  });

  it('when many messages wait, then no more than prefetch handlers run at once', async () => {
    const t = await setup('prefetch');
    let running = 0;
    let most = 0;
    let done = 0;
    await admin.channel.assertExchange(t.exchange, 'topic', { durable: true });
    const [main] = consumerQueues({
      queue: t.queue,
      exchange: t.exchange,
      routingKeys: [],
      retryDelaysMs: [],
    });
    await admin.channel.assertQueue(t.queue, { durable: true, arguments: main?.arguments });
    await admin.channel.bindQueue(t.queue, t.exchange, 'order.*');
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.publisher.publish('order.created', { i }, { messageId: `msg-prefetch-${i}` }),
      ),
    );
    await t.connection.consume(
      t.spec({
        prefetch: 3,
        handle: async () => {
          running += 1;
          most = Math.max(most, running);
          await sleep(100);
          running -= 1;
          done += 1;
        },
      }),
    );
    await waitFor(() => done === 12, 'all messages to be handled');
    expect(most).toBe(3);
  });

  it('when stop() is called with handlers in flight, then they finish and ack and nothing is lost', async () => {
    const t = await setup('stop-drain');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    let finished = 0;
    const consumer = await t.connection.consume(
      t.spec({
        prefetch: 5,
        handle: async () => {
          started += 1;
          await gate;
          finished += 1;
        },
      }),
    );
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.publisher.publish('order.created', { i }, { messageId: `msg-stop-${i}` }),
      ),
    );
    await waitFor(() => started === 5, 'five handlers in flight');

    const stopping = consumer.stop();
    await sleep(100);
    release();
    await stopping;

    expect(finished).toBe(5);
    expect(await counterValue(t.metrics, 'flowstack_queue_acked_total', { queue: t.queue })).toBe(
      5,
    );
    await waitFor(async () => (await admin.messageCount(t.queue)) === 3, 'the three undelivered');
  });

  it('when handlers outlive the drain bound, then their messages return to the queue', async () => {
    const t = await setup('stop-timeout');
    let started = 0;
    const consumer = await t.connection.consume(
      t.spec({
        prefetch: 4,
        drainTimeoutMs: 200,
        handle: async () => {
          started += 1;
          await sleep(60_000);
        },
      }),
    );
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        t.publisher.publish('order.created', { i }, { messageId: `msg-hang-${i}` }),
      ),
    );
    await waitFor(() => started === 4, 'four handlers in flight');

    await consumer.stop();

    await waitFor(
      async () => (await admin.messageCount(t.queue)) === 4,
      'all four back in the queue',
    );
  });

  it('when the connection closes with handlers in flight, then they finish and ack first', async () => {
    const t = await setup('close-drain');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    await t.connection.consume(
      t.spec({
        prefetch: 2,
        handle: async () => {
          started += 1;
          await gate;
        },
      }),
    );
    await t.publisher.publish('order.created', { i: 1 }, { messageId: 'msg-close-1' });
    await t.publisher.publish('order.created', { i: 2 }, { messageId: 'msg-close-2' });
    await waitFor(() => started === 2, 'two handlers in flight');

    const closing = t.connection.close();
    await sleep(100);
    release();
    await closing;

    expect(t.connection.connected).toBe(false);
    expect(await counterValue(t.metrics, 'flowstack_queue_acked_total', { queue: t.queue })).toBe(
      2,
    );
    expect(await admin.messageCount(t.queue)).toBe(0);
  });
});
