import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '@flowstack/test-kit';
import { Admin, connectForTest } from '../test/rabbit.js';
import { listDeadLetters, replayDeadLetters } from './dead-letters.js';

let admin: Admin;
beforeAll(async () => {
  admin = await Admin.open();
});
afterAll(async () => {
  await admin.close();
});

/** A connection and a consumer's names of one test, removed afterwards. */
async function setup(prefix: string) {
  const { test: t, queue, exchange } = await connectForTest(admin, prefix);
  return { queue, exchange, t };
}

describe('dead-letter tools', () => {
  it('when dead letters are listed and replayed, then they return to the queue with a fresh attempt count', async () => {
    const { queue, exchange, t } = await setup('replay');
    let healthy = false;
    const attempts: number[] = [];
    await t.connection.consume({
      queue,
      exchange,
      routingKeys: ['order.*'],
      prefetch: 5,
      maxAttempts: 1,
      retryDelaysMs: [],
      handle: (message) => {
        attempts.push(message.attempt);
        return healthy ? Promise.resolve() : Promise.reject(new Error('catalog missing'));
      },
    });
    const publisher = t.connection.createPublisher({ exchange });
    await publisher.publish('order.created', { orderId: 'a' }, { messageId: 'dl-a' });
    await publisher.publish('order.created', { orderId: 'b' }, { messageId: 'dl-b' });
    await waitFor(
      async () => (await admin.messageCount(`${queue}.dead`)) === 2,
      'two dead letters',
    );

    const letters = await listDeadLetters(t.connection, queue, 10);

    expect(letters.map((letter) => letter.messageId).sort()).toEqual(['dl-a', 'dl-b']);
    expect(letters[0]).toMatchObject({
      reason: 'Error: catalog missing',
      attempt: 1,
      queue,
      routingKey: 'order.created',
    });
    expect(await admin.messageCount(`${queue}.dead`)).toBe(2);

    healthy = true;
    expect(await replayDeadLetters(t.connection, queue, 10)).toBe(2);
    await waitFor(() => attempts.length === 4, 'both replayed messages to be handled');
    expect(attempts).toEqual([1, 1, 1, 1]);
    expect(await admin.messageCount(`${queue}.dead`)).toBe(0);
  });

  it('when a message is delivered past the delivery limit without a settlement (its consumer keeps dying), then the broker dead-letters it and the tools say why', async () => {
    const { queue, exchange, t } = await setup('delivery-limit');
    const declaring = await t.connection.consume({
      queue,
      exchange,
      routingKeys: ['order.*'],
      prefetch: 1,
      maxAttempts: 5,
      retryDelaysMs: [],
      deliveryLimit: 2,
      handle: () => Promise.resolve(),
    });
    await declaring.stop();
    await t.connection.createPublisher({ exchange }).publish(
      'order.created',
      {},
      {
        messageId: 'dies-every-time',
      },
    );

    // A consumer that takes the message and dies before settling it, again and again.
    const crashing = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
    onTestFinished(() => crashing.close());
    const counts: unknown[] = [];
    for (let delivery = 0; delivery < 3; delivery += 1) {
      const channel = await crashing.createChannel();
      let count: unknown;
      await waitFor(
        async () => {
          const message = await channel.get(queue, { noAck: false });
          if (message === false) return false;
          count = message.properties.headers?.['x-delivery-count'];
          return true;
        },
        `delivery ${delivery + 1}`,
      );
      counts.push(count);
      await channel.close();
    }
    await waitFor(
      async () => (await admin.messageCount(`${queue}.dead`)) === 1,
      'the broker to dead-letter it',
    );

    expect(counts).toEqual([0, 1, 2]);
    expect(await admin.messageCount(queue)).toBe(0);
    const [letter] = await listDeadLetters(t.connection, queue, 10);
    expect(letter).toMatchObject({ messageId: 'dies-every-time', queue });
    expect(letter?.reason).toContain('delivery limit reached');
  });
});
