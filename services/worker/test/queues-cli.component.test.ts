import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@flowstack/config';
import { testEnvironment } from '@flowstack/domain/testing';
import { createLogger } from '@flowstack/observability';
import { workerConfigSchema } from '../src/config.js';
import { startWorker } from '../src/start-worker.js';
import { uniqueName } from '@flowstack/test-kit';
import { runQueuesCli } from '../src/entry-points/cli/queue-commands.js';

let model: amqp.ChannelModel;
beforeAll(async () => {
  model = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
});
afterAll(async () => {
  await model.close();
});

async function queues(env: Record<string, string>, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runQueuesCli(argv, env, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out, err: err.join('\n') };
}

describe('the queues command', () => {
  it('when the order queues are classic queues with messages, then migrate makes them quorum queues with the messages, and a second run changes nothing', async () => {
    const queue = uniqueName('test.queues.cli', '.');
    const env = testEnvironment({
      ORDERS_QUEUE: queue,
      ORDERS_EXCHANGE: `${queue}.exchange`,
      WORKER_RETRY_DELAYS_MS: '60000',
    });
    const channel = await model.createConfirmChannel();
    try {
      // What a deployment from before quorum queues has.
      await channel.assertQueue(queue, { durable: true });
      await channel.assertQueue(`${queue}.dead`, { durable: true });
      for (let i = 0; i < 5; i += 1) {
        channel.sendToQueue(queue, Buffer.from('{}'), { messageId: `m${i}` });
      }
      await channel.waitForConfirms();

      const first = await queues(env, 'migrate');

      expect(first.code, first.err).toBe(0);
      const moved = first.out.map((line) => JSON.parse(line) as { queue: string; moved: number });
      expect(moved).toContainEqual({ queue, type: 'quorum', moved: 5 });
      expect((await channel.checkQueue(queue)).messageCount).toBe(5);
      // It is a quorum queue now: the quorum declaration is accepted as equivalent.
      await channel.assertQueue(`${queue}.dead`, {
        durable: true,
        arguments: { 'x-queue-type': 'quorum' },
      });

      const second = await queues(env, 'migrate');
      expect(second.code).toBe(0);
      expect(second.out).toEqual([]);
      expect(second.err).toContain('0 queue(s) migrated');
    } finally {
      for (const name of [queue, `${queue}.dead`, `${queue}.retry.60000`]) {
        await channel.deleteQueue(name).catch(() => undefined);
      }
      await channel.deleteExchange(`${queue}.exchange`).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
  });

  it('when the worker starts against classic order queues, then it fails fast naming the migration command', async () => {
    const queue = uniqueName('test.queues.refused', '.');
    const channel = await model.createChannel();
    await channel.assertQueue(queue, { durable: true });
    try {
      const config = loadConfig(
        'worker',
        workerConfigSchema,
        testEnvironment({ ORDERS_QUEUE: queue, ORDERS_EXCHANGE: `${queue}.exchange` }),
      );
      const started = startWorker(config, createLogger({ service: 'worker', level: 'silent' }));
      await expect(started).rejects.toMatchObject({ code: 'queue-topology-changed' });
      await expect(started).rejects.toThrow(/queues:migrate/);
    } finally {
      await channel.deleteQueue(queue).catch(() => undefined);
      await channel.deleteExchange(`${queue}.exchange`).catch(() => undefined);
      await channel.close().catch(() => undefined);
    }
  });

  it('when the command is unknown or the broker unreachable, then it says why and exits non-zero', async () => {
    const unknown = await queues(testEnvironment({}), 'shuffle');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('Unknown command "shuffle"');

    const unreachable = await queues(testEnvironment({ RABBITMQ_HOSTS: '127.0.0.1:1' }), 'migrate');
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toContain('127.0.0.1:1');
  });
});
