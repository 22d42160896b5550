import { AppError } from '@flowstack/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@flowstack/test-kit';
import { Admin, connectForTest, counterValue, sleep } from '../test/rabbit.js';
import type { ConsumedMessage, ConsumerSpec } from './types.js';

let admin: Admin;
beforeAll(async () => {
  admin = await Admin.open();
});
afterAll(async () => {
  await admin.close();
});

async function setup(prefix: string) {
  const { test, queue, exchange } = await connectForTest(admin, prefix);
  const publisher = test.connection.createPublisher({ exchange });
  const spec = (overrides: Partial<ConsumerSpec>): ConsumerSpec => ({
    queue,
    exchange,
    routingKeys: ['order.*'],
    prefetch: 40,
    maxAttempts: 3,
    retryDelaysMs: [],
    handle: () => Promise.reject(new Error('the single path must not run')),
    ...overrides,
  });
  const publishMany = (count: number, body: (index: number) => unknown) =>
    Promise.all(
      Array.from({ length: count }, (_, index) =>
        publisher.publish('order.created', body(index), { messageId: `${prefix}-${index}` }),
      ),
    );
  return { ...test, queue, exchange, publishMany, spec };
}

const acked = (t: Awaited<ReturnType<typeof setup>>) =>
  counterValue(t.metrics, 'flowstack_queue_acked_total', { queue: t.queue });

describe('batch consumer', () => {
  it('when messages arrive together, then they are handled in batches of at most maxMessages, each once, and all acked', async () => {
    const t = await setup('batch');
    // Published before consuming, so the broker hands them over in bursts.
    await t.connection
      .consume(t.spec({ prefetch: 1, batch: { maxMessages: 1, handle: () => Promise.resolve() } }))
      .then((consumer) => consumer.stop());
    await t.publishMany(30, (index) => ({ n: index }));
    const batches: ConsumedMessage[][] = [];
    const consumer = await t.connection.consume(
      t.spec({
        batch: {
          maxMessages: 8,
          handle: (messages) => {
            batches.push(messages);
            return Promise.resolve();
          },
        },
      }),
    );

    await waitFor(async () => (await acked(t)) === 30, 'thirty acks');
    await sleep(200);
    const seen = batches.flat().map((message) => (message.body as { n: number }).n);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, index) => index));
    expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(8);
    expect(batches.some((batch) => batch.length > 1)).toBe(true);
    // Anything left unacked would return to the queue when the channel closes.
    await consumer.stop();
    expect(await admin.messageCount(t.queue)).toBe(0);
  });

  it('when a batch fails because of one poison message, then the others are stored one by one and only the poison is dead-lettered', async () => {
    const t = await setup('poison');
    await t.connection
      .consume(t.spec({ prefetch: 1, batch: { maxMessages: 1, handle: () => Promise.resolve() } }))
      .then((consumer) => consumer.stop());
    await t.publishMany(10, (index) => ({ n: index, poison: index === 4 }));
    const single: number[] = [];
    let batchCalls = 0;
    const isPoison = (message: ConsumedMessage) => (message.body as { poison: boolean }).poison;
    await t.connection.consume(
      t.spec({
        batch: {
          maxMessages: 10,
          maxWaitMs: 200,
          handle: (messages) => {
            batchCalls += 1;
            if (messages.some(isPoison)) {
              return Promise.reject(AppError.validation('a poison message in the batch', []));
            }
            return Promise.resolve();
          },
        },
        handle: (message) => {
          if (isPoison(message)) {
            return Promise.reject(AppError.validation('poison', []));
          }
          single.push((message.body as { n: number }).n);
          return Promise.resolve();
        },
      }),
    );

    await waitFor(async () => (await admin.messageCount(`${t.queue}.dead`)) === 1, 'a dead letter');
    await waitFor(async () => (await acked(t)) === 9, 'nine acks');
    expect(batchCalls).toBeGreaterThanOrEqual(1);
    expect(single.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
    expect(await admin.messageCount(t.queue)).toBe(0);
  });

  it('when the consumer stops with a partial batch waiting, then the batch is handled before it closes', async () => {
    const t = await setup('partial');
    const handled: number[] = [];
    const consumer = await t.connection.consume(
      t.spec({
        batch: {
          maxMessages: 100,
          maxWaitMs: 60_000,
          handle: (messages) => {
            handled.push(...messages.map((message) => (message.body as { n: number }).n));
            return Promise.resolve();
          },
        },
      }),
    );
    await t.publishMany(3, (index) => ({ n: index }));
    await waitFor(
      async () =>
        (await counterValue(t.metrics, 'flowstack_queue_consumed_total', { queue: t.queue })) === 3,
      'three deliveries',
    );
    expect(handled).toEqual([]);

    await consumer.stop();

    expect(handled.sort()).toEqual([0, 1, 2]);
    expect(await acked(t)).toBe(3);
  });

  it('when batch.maxMessages is not a positive integer, then consume rejects', async () => {
    const t = await setup('invalid');
    await expect(
      t.connection.consume(t.spec({ batch: { maxMessages: 0, handle: () => Promise.resolve() } })),
    ).rejects.toThrow(/batch.maxMessages/);
  });
});
