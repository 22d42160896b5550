import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { isAppError } from '@flowstack/errors';
import { waitFor } from '@flowstack/test-kit';
import { Admin, connect, queueName } from '../test/rabbit.js';
import { migrateQueues, holdingName } from './queue-migration.js';
import type { ConsumerSpec, QueueType } from './types.js';

let admin: Admin;
let probe: amqp.ChannelModel;
beforeAll(async () => {
  admin = await Admin.open();
  probe = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
});
afterAll(async () => {
  await admin.close();
  await probe.close();
});

/** On a channel of its own: checking a missing queue closes the channel. */
async function queueExists(name: string): Promise<boolean> {
  const channel = await probe.createChannel();
  channel.on('error', () => undefined);
  try {
    await channel.checkQueue(name);
    await channel.close();
    return true;
  } catch {
    return false;
  }
}

const RETRY_MS = 600_000;

function setup(prefix: string) {
  const queue = queueName(prefix);
  const exchange = `${queue}.exchange`;
  const t = connect();
  onTestFinished(async () => {
    await t.connection.close();
    await admin.deleteTopology(queue, exchange, [RETRY_MS]);
    for (const name of [holdingName(queue), holdingName(`${queue}.dead`)]) {
      await admin.channel.deleteQueue(name);
    }
  });
  const topology = (queueType: QueueType) => ({
    queue,
    exchange,
    routingKeys: ['order.created'],
    retryDelaysMs: [RETRY_MS],
    queueType,
  });
  const spec = (queueType: QueueType, handle: ConsumerSpec['handle']): ConsumerSpec => ({
    ...topology(queueType),
    prefetch: 10,
    maxAttempts: 3,
    handle,
  });
  return { queue, exchange, t, topology, spec };
}

/** Takes every message out of `queue` and returns their ids, in order. */
async function drainIds(queue: string): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const message = await admin.channel.get(queue, { noAck: true });
    if (message === false) return ids;
    ids.push(String(message.properties.messageId));
  }
}

describe('migrateQueues', () => {
  it('when classic queues hold messages and orders keep coming, then the quorum queues end with every message once', async () => {
    const { queue, exchange, t, topology, spec } = setup('migrate');
    await t.connection.waitUntilConnected(10_000);
    // The deployment before: classic queues, made by a consumer that is stopped now.
    await (await t.connection.consume(spec('classic', () => Promise.resolve()))).stop();
    const publisher = t.connection.createPublisher({ exchange });
    const waiting = Array.from({ length: 300 }, (_, i) => `waiting-${i}`);
    await Promise.all(
      waiting.map((id) => publisher.publish('order.created', { id }, { messageId: id })),
    );
    const retrying = ['retry-0', 'retry-1', 'retry-2'];
    const dead = ['dead-0', 'dead-1'];
    for (const id of retrying) {
      admin.channel.sendToQueue(`${queue}.retry.${RETRY_MS}`, Buffer.from('{}'), {
        messageId: id,
        persistent: true,
        headers: { 'x-flowstack-attempt': 2 },
      });
    }
    for (const id of dead) {
      admin.channel.sendToQueue(`${queue}.dead`, Buffer.from('{}'), {
        messageId: id,
        persistent: true,
      });
    }
    await waitFor(
      async () =>
        (await admin.messageCount(`${queue}.retry.${RETRY_MS}`)) === 3 &&
        (await admin.messageCount(`${queue}.dead`)) === 2,
      'the retry and dead letters in place',
    );
    const before = waiting.length + retrying.length + dead.length;

    // Orders still arriving while it runs: each one accepted (confirmed) exactly once.
    const accepted: string[] = [];
    let publishing = true;
    const inFlight = (async () => {
      for (let n = 0; publishing; n += 1) {
        const id = `live-${n}`;
        for (;;) {
          try {
            await publisher.publish('order.created', { id }, { messageId: id });
            accepted.push(id);
            break;
          } catch (error) {
            if (!isAppError(error) || error.status !== 503) throw error;
            // Returned unroutable for a moment: the client retries the same id.
          }
        }
      }
    })();
    await waitFor(() => accepted.length >= 20, 'orders flowing before the migration');

    const lines: string[] = [];
    const report = await migrateQueues(t.connection, topology('quorum'), {
      progress: (line) => lines.push(line),
    });
    const acceptedDuring = accepted.length;
    await waitFor(() => accepted.length >= acceptedDuring + 20, 'orders flowing after it');
    publishing = false;
    await inFlight;

    expect(report.migrated.map((entry) => entry.queue).sort()).toEqual(
      [queue, `${queue}.dead`, `${queue}.retry.${RETRY_MS}`].sort(),
    );
    // The rebuilt queues are bound to the moves exchange again before a consumer re-asserts them.
    admin.channel.publish(`${queue}.moves`, `${queue}.dead`, Buffer.from('{}'), {
      messageId: 'via-moves',
      persistent: true,
    });
    await waitFor(
      async () => (await admin.messageCount(`${queue}.dead`)) === dead.length + 1,
      'a copy routed to the rebuilt dead-letter queue through the moves exchange',
    );
    // The queues are quorum queues now: a quorum consumer attaches where it was refused before.
    const handled: string[] = [];
    const consumer = await t.connection.consume(
      spec('quorum', (message) => {
        handled.push(message.messageId);
        return Promise.resolve();
      }),
    );
    const expected = [...waiting, ...retrying, ...accepted];
    await waitFor(() => handled.length >= expected.length, 'every message to be handled');
    await consumer.stop();
    const deadAfter = await drainIds(`${queue}.dead`);

    // Plus the one copy sent through the moves exchange after the migration.
    expect(handled.length + deadAfter.length).toBe(before + accepted.length + 1);
    expect(new Set(handled).size).toBe(handled.length);
    expect([...handled].sort()).toEqual([...expected].sort());
    expect(deadAfter.sort()).toEqual([...dead, 'via-moves']);
    expect(await admin.messageCount(queue)).toBe(0);
    expect(await queueExists(holdingName(queue))).toBe(false);
    expect(lines.join('\n')).toContain('re-declared');
  });

  it('when the queues already have the configured type, then nothing moves', async () => {
    const { t, topology, spec } = setup('migrate-noop');
    await t.connection.waitUntilConnected(10_000);
    await (await t.connection.consume(spec('quorum', () => Promise.resolve()))).stop();

    const report = await migrateQueues(t.connection, topology('quorum'));

    expect(report.migrated).toEqual([]);
    expect(report.unchanged).toHaveLength(3);
  });

  it('when a consumer is still attached, then it refuses and changes nothing', async () => {
    const { queue, t, topology, spec } = setup('migrate-busy');
    await t.connection.waitUntilConnected(10_000);
    const consumer = await t.connection.consume(spec('classic', () => Promise.resolve()));
    onTestFinished(() => consumer.stop());

    await expect(migrateQueues(t.connection, topology('quorum'))).rejects.toThrow(
      /stop the workers/,
    );
    expect(await queueExists(holdingName(queue))).toBe(false);
  });
});
