import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { loadConfig } from '@flowstack/config';
import { createDatabase, type Database } from '@flowstack/db';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { ORDER_CREATED } from '@flowstack/domain';
import { testEnvironment } from '@flowstack/domain/testing';
import { createLogger } from '@flowstack/observability';
import { workerConfigSchema, type WorkerConfig } from '../../src/config.js';
import { startWorker, type RunningWorker } from '../../src/start-worker.js';

export interface WorkerUnderTest {
  worker: RunningWorker;
  config: WorkerConfig;
  /** A pool of the test's own, to look at what the worker stored. */
  db: Database;
  /** Publishes a raw message to the worker's exchange, as the api (or anyone) would. */
  publish(body: unknown, messageId?: string): Promise<void>;
  /** Publishes all of them back to back, then waits for the confirms: they arrive together. */
  publishAll(messages: { body: unknown; messageId: string }[]): Promise<void>;
  /** Messages in the dead-letter queue, taken off it. */
  drainDeadLetters(): Promise<{ body: string; headers: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

export async function startWorkerUnderTest(
  env: Record<string, string> = {},
): Promise<WorkerUnderTest> {
  const id = randomUUID();
  const exchange = `test.worker.${id}`;
  const queue = `test.worker.orders.${id}`;
  const config = loadConfig(
    'worker',
    workerConfigSchema,
    testEnvironment({
      ORDERS_EXCHANGE: exchange,
      ORDERS_QUEUE: queue,
      WORKER_RETRY_DELAYS_MS: '50,100',
      ...env,
    }),
  );
  const logger = createLogger({ service: 'worker', level: 'silent' });
  const worker = await startWorker(config, logger);
  const db = await createDatabase({
    host: config.POSTGRES_HOST,
    port: config.POSTGRES_PORT,
    database: config.POSTGRES_DB,
    credentials: createStaticCredentialSource({ username: config.POSTGRES_USER }),
    logger,
  });
  const connection = await amqp.connect(
    `amqp://guest:guest@${config.RABBITMQ_HOST}:${config.RABBITMQ_PORT}`,
  );
  const channel = await connection.createConfirmChannel();

  return {
    worker,
    config,
    db,
    async publish(body, messageId = randomUUID()) {
      const content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      channel.publish(exchange, ORDER_CREATED, content, {
        messageId,
        persistent: true,
        contentType: 'application/json',
      });
      await channel.waitForConfirms();
    },
    async publishAll(messages) {
      for (const { body, messageId } of messages) {
        channel.publish(exchange, ORDER_CREATED, Buffer.from(JSON.stringify(body)), {
          messageId,
          persistent: true,
          contentType: 'application/json',
        });
      }
      await channel.waitForConfirms();
    },
    async drainDeadLetters() {
      const messages: { body: string; headers: Record<string, unknown> }[] = [];
      for (;;) {
        const message = await channel.get(`${queue}.dead`, { noAck: true });
        if (message === false) return messages;
        messages.push({
          body: message.content.toString(),
          headers: message.properties.headers ?? {},
        });
      }
    },
    async close() {
      await worker.stop();
      await db.close();
      const queues = [queue, `${queue}.dead`, `${queue}.retry.50`, `${queue}.retry.100`];
      for (const name of queues) await channel.deleteQueue(name);
      await channel.deleteExchange(exchange);
      await channel.close();
      await connection.close();
    },
  };
}
