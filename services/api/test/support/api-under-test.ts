import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { Express } from 'express';
import { loadConfig } from '@flowstack/config';
import { apiConfigSchema, type ApiConfig } from '../../src/config.js';
import type { Cache } from '@flowstack/cache';
import type { Database } from '@flowstack/db';
import { ORDER_CREATED } from '@flowstack/domain';
import { testEnvironment } from '@flowstack/domain/testing';
import { createLogger } from '@flowstack/observability';
import type { ConsumedMessage, Consumer, QueueConnection, SettledEvent } from '@flowstack/queue';
import { startService } from '@flowstack/service-kit';
import { nextEvent } from '@flowstack/test-kit';
import { createApiApp } from '../../src/start-api.js';

export interface ApiUnderTest {
  app: Express;
  db: Database;
  cache: Cache;
  config: ApiConfig;
  /** Messages the api published, as a consumer bound to its exchange received them. */
  published: ConsumedMessage[];
  /** Resolves once `count` messages were captured; awaits the capture consumer's acks, no polling. */
  waitForPublished(count: number, timeoutMs?: number): Promise<ConsumedMessage[]>;
  /** Resolves once the message with this id was captured. */
  waitForMessage(messageId: string, timeoutMs?: number): Promise<ConsumedMessage>;
  close(): Promise<void>;
}

/**
 * The in-process app on real PostgreSQL, Redis and RabbitMQ, with an exchange and a capture queue
 * of its own, so tests never see each other's messages.
 */
export async function startApiUnderTest(
  options: { env?: Record<string, string>; bindCaptureQueue?: boolean } = {},
): Promise<ApiUnderTest> {
  const id = randomUUID();
  const exchange = `test.api.${id}`;
  const captureQueue = `test.api.capture.${id}`;
  const config = loadConfig(
    'api',
    apiConfigSchema,
    testEnvironment({
      ORDERS_EXCHANGE: exchange,
      PUBLISH_CONFIRM_TIMEOUT_MS: '3000',
      ...options.env,
    }),
  );
  const logger = createLogger({ service: 'api', level: 'silent' });
  const published: ConsumedMessage[] = [];
  const { lifecycle, app, db, cache, capture } = await startService(
    { service: 'api', config, logger, defaultMetrics: false },
    async (context) => {
      const { db, cache, queue, lifecycle } = context;
      const capture = options.bindCaptureQueue === false ? undefined : await bindCapture(queue);
      if (capture !== undefined) lifecycle.onStop('capture consumer', () => capture.stop());
      const app = await createApiApp(config, logger, context);
      return { app, db, cache, capture };
    },
  );

  function bindCapture(queue: QueueConnection): Promise<Consumer> {
    return queue.consume({
      queue: captureQueue,
      exchange,
      routingKeys: [ORDER_CREATED],
      prefetch: 50,
      maxAttempts: 1,
      retryDelaysMs: [],
      handle: (message) => {
        published.push(message);
        return Promise.resolve();
      },
    });
  }
  const waitUntilCaptured = async (done: () => boolean, timeoutMs: number) => {
    // Re-checked after every settled delivery: the handler pushes before the ack.
    while (!done()) {
      if (capture === undefined) throw new Error('no capture queue bound');
      await nextEvent<[SettledEvent]>(capture, 'settled', { timeoutMs });
    }
  };

  return {
    app,
    db,
    cache,
    config,
    published,
    async waitForPublished(count, timeoutMs = 10_000) {
      await waitUntilCaptured(() => published.length >= count, timeoutMs);
      return published;
    },
    async waitForMessage(messageId, timeoutMs = 10_000) {
      const find = () => published.find((message) => message.messageId === messageId);
      await waitUntilCaptured(() => find() !== undefined, timeoutMs);
      return find()!;
    },
    async close() {
      await lifecycle.shutdown('test');
      await deleteTopology(exchange, [captureQueue, `${captureQueue}.dead`]);
    },
  };
}

async function deleteTopology(exchange: string, queues: string[]): Promise<void> {
  const env = testEnvironment();
  const connection = await amqp.connect(
    `amqp://guest:guest@${env.RABBITMQ_HOST}:${env.RABBITMQ_PORT}`,
  );
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    await channel.deleteExchange(exchange);
    await channel.close();
  } finally {
    await connection.close();
  }
}
