/**
 * Consumer drain rate on quorum versus classic queues, per prefetch, in one run on the local
 * broker: N messages wait, then a batch consumer (maxMessages = prefetch / 2, a no-op handler, as
 * the worker's store without PostgreSQL) drains them. Prints messages per second and the
 * quorum/classic ratio per prefetch; figures are only comparable within one run.
 *
 *   npm run -w @flowstack/queue bench:prefetch [-- --messages 5000 --prefetch 20,100,200,400]
 */
import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { createLogger, createMetrics } from '@flowstack/observability';
import { uniqueName } from '@flowstack/test-kit';
import { createQueueConnection } from '../src/queue-connection.js';
import type { QueueType } from '../src/types.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '3000' },
    prefetch: { type: 'string', default: '20,100,200,400' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '5672' },
  },
});
const total = Number(values.messages);
const say = (line: string) => process.stdout.write(`${line}\n`);
const prefetches = values.prefetch.split(',').map(Number);

const connection = createQueueConnection({
  host: values.host,
  port: Number(values.port),
  vhost: '/',
  credentials: createStaticCredentialSource({ username: 'guest', password: 'guest' }),
  logger: createLogger({ service: 'bench-prefetch', level: 'warn' }),
  metrics: createMetrics({ service: 'bench-prefetch', defaultMetrics: false }).queue,
  connectionName: 'bench-prefetch',
});
await connection.waitUntilConnected(10_000);
const admin = await amqp.connect(`amqp://guest:guest@${values.host}:${values.port}/`);

async function drainRate(queueType: QueueType, prefetch: number): Promise<number> {
  const queue = uniqueName(`bench.prefetch.${queueType}.${prefetch}`, '.');
  const exchange = `${queue}.exchange`;
  const spec = { queue, exchange, routingKeys: ['bench.#'], maxAttempts: 1, retryDelaysMs: [] };
  // Declare the topology, fill the queue while nobody consumes, then time the drain alone.
  await (
    await connection.consume({ ...spec, queueType, prefetch, handle: () => Promise.resolve() })
  ).stop();
  const publisher = connection.createPublisher({ exchange });
  for (let sent = 0; sent < total; sent += 500) {
    const ids = Array.from({ length: Math.min(500, total - sent) }, (_, i) => `${sent + i}`);
    await Promise.all(ids.map((id) => publisher.publish('bench.x', { id }, { messageId: id })));
  }
  let handled = 0;
  let done: () => void = () => undefined;
  const drained = new Promise<void>((resolve) => (done = resolve));
  const started = performance.now();
  const consumer = await connection.consume({
    ...spec,
    queueType,
    prefetch,
    handle: () => Promise.resolve(),
    batch: {
      maxMessages: Math.max(1, Math.floor(prefetch / 2)),
      handle: (messages) => {
        handled += messages.length;
        if (handled >= total) done();
        return Promise.resolve();
      },
    },
  });
  await drained;
  const seconds = (performance.now() - started) / 1000;
  await consumer.stop();
  const channel = await admin.createChannel();
  await channel.deleteQueue(queue);
  await channel.deleteQueue(`${queue}.dead`);
  await channel.deleteExchange(exchange);
  await channel.close();
  return total / seconds;
}

say(`${total} messages per run; rates in messages/s`);
say('prefetch | classic | quorum | quorum/classic');
for (const prefetch of prefetches) {
  const classic = await drainRate('classic', prefetch);
  const quorum = await drainRate('quorum', prefetch);
  say(
    `${prefetch} | ${classic.toFixed(0)} | ${quorum.toFixed(0)} | ${(quorum / classic).toFixed(2)}`,
  );
}
await connection.close();
await admin.close();
