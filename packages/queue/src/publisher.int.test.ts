import { isAppError } from '@flowstack/errors';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { waitFor } from '@flowstack/test-kit';
import { Admin, connect, counterValue, queueName } from '../test/rabbit.js';

let admin: Admin;
beforeAll(async () => {
  admin = await Admin.open();
});
afterAll(async () => {
  await admin.close();
});

async function boundQueue(prefix: string) {
  const queue = queueName(prefix);
  const exchange = `${queue}.exchange`;
  await admin.channel.assertExchange(exchange, 'topic', { durable: true });
  await admin.channel.assertQueue(queue, { durable: true });
  await admin.channel.bindQueue(queue, exchange, 'order.*');
  onTestFinished(async () => {
    await admin.channel.deleteQueue(queue);
    await admin.channel.deleteExchange(exchange);
  });
  return { queue, exchange };
}

describe('publisher', () => {
  it('when many messages are published at once, then back-pressure is honoured and every one is confirmed', async () => {
    const { queue, exchange } = await boundQueue('backpressure');
    const t = connect();
    onTestFinished(() => t.connection.close());
    await t.connection.waitUntilConnected(10_000);
    const publisher = t.connection.createPublisher({ exchange, confirmTimeoutMs: 30_000 });
    const count = 1500;
    const padding = 'x'.repeat(8 * 1024);

    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        publisher.publish('order.created', { i, padding }, { messageId: `msg-bp-${i}` }),
      ),
    );

    expect(await admin.messageCount(queue)).toBe(count);
    expect(await counterValue(t.metrics, 'flowstack_queue_published_total', { exchange })).toBe(
      count,
    );
    expect(await counterValue(t.metrics, 'flowstack_queue_confirmed_total', { exchange })).toBe(
      count,
    );
    expect(
      await counterValue(t.metrics, 'flowstack_queue_publish_failed_total', { exchange }),
    ).toBe(0);
    const waits = t.logs().filter((line) => String(line.msg).includes('back-pressure'));
    expect(waits.length).toBeGreaterThan(0);
  });

  it('when no queue is bound for the routing key, then publish rejects with 503', async () => {
    const { exchange } = await boundQueue('unroutable');
    const t = connect();
    onTestFinished(() => t.connection.close());
    await t.connection.waitUntilConnected(10_000);
    const publisher = t.connection.createPublisher({ exchange });

    const error: unknown = await publisher
      .publish('invoice.created', { id: 1 }, { messageId: 'msg-unroutable' })
      .catch((caught: unknown) => caught);

    expect(isAppError(error) && error.status).toBe(503);
    expect(isAppError(error) && error.message).toMatch(/no queue is bound/);
    await publisher.publish('order.created', { id: 2 }, { messageId: 'msg-routable' });
    expect(
      await counterValue(t.metrics, 'flowstack_queue_publish_failed_total', { exchange }),
    ).toBe(1);
  });

  it('when the broker is unreachable, then publish rejects fast with a 503 and nothing is buffered', async () => {
    const t = connect({ port: 1, connectionName: queueName('unreachable') });
    onTestFinished(() => t.connection.close());
    const publisher = t.connection.createPublisher({ exchange: 'never.created' });

    const started = performance.now();
    const error: unknown = await publisher
      .publish('order.created', { id: 1 }, { messageId: 'msg-down' })
      .catch((caught: unknown) => caught);

    expect(performance.now() - started).toBeLessThan(1000);
    expect(isAppError(error)).toBe(true);
    if (!isAppError(error)) return;
    expect(error.status).toBe(503);
    expect(error.code).toBe('queue-unavailable');
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(t.connection.connected).toBe(false);
    await expect(t.connection.ping()).rejects.toMatchObject({ status: 503 });
    await expect(t.connection.waitUntilConnected(300)).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining('127.0.0.1:1') as unknown,
    });
    await waitFor(
      () => t.logs().some((line) => line.msg === 'RabbitMQ connection attempt failed; retrying'),
      'a logged connection attempt',
    );
  });

  it('when the exchange does not exist and is not asserted, then publish rejects and the connection stays up', async () => {
    const t = connect();
    onTestFinished(() => t.connection.close());
    await t.connection.waitUntilConnected(10_000);
    const missing = queueName('missing-exchange');
    const publisher = t.connection.createPublisher({ exchange: missing, assertExchange: false });

    await expect(
      publisher.publish('order.created', { id: 1 }, { messageId: 'msg-404' }),
    ).rejects.toMatchObject({ status: 503 });

    expect(t.connection.connected).toBe(true);
    await expect(t.connection.ping()).resolves.toBeUndefined();
    const { queue, exchange } = await boundQueue('after-404');
    await t.connection
      .createPublisher({ exchange })
      .publish('order.x', { id: 2 }, { messageId: 'm' });
    expect(await admin.messageCount(queue)).toBe(1);
  });
});
