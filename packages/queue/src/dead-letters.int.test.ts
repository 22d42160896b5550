import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '@flowstack/test-kit';
import { Admin, connect, queueName } from '../test/rabbit.js';
import { listDeadLetters, replayDeadLetters } from './dead-letters.js';

let admin: Admin;
beforeAll(async () => {
  admin = await Admin.open();
});
afterAll(async () => {
  await admin.close();
});

describe('dead-letter tools', () => {
  it('when dead letters are listed and replayed, then they return to the queue with a fresh attempt count', async () => {
    const queue = queueName('replay');
    const exchange = `${queue}.exchange`;
    const t = connect();
    onTestFinished(async () => {
      await t.connection.close();
      await admin.deleteTopology(queue, exchange);
    });
    await t.connection.waitUntilConnected(10_000);
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
});
