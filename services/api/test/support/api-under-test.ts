import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { Express } from 'express';
import { apiConfigSchema, loadConfig, type ApiConfig } from '@flowstack/config';
import type { Cache } from '@flowstack/cache';
import type { Database } from '@flowstack/db';
import { ORDER_CREATED } from '@flowstack/domain';
import { testEnvironment } from '@flowstack/domain/testing';
import { createLogger, createMetrics } from '@flowstack/observability';
import type { ConsumedMessage, Consumer, SettledEvent } from '@flowstack/queue';
import { createLifecycle, openDataServices, readOrderIdSecret } from '@flowstack/service-kit';
import { nextEvent } from '@flowstack/test-kit';
import { createApp } from '../../src/app.js';

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
  const metrics = createMetrics({ service: 'api', defaultMetrics: false });
  const lifecycle = createLifecycle({ logger });
  const { db, cache, queue } = await openDataServices({
    service: 'api',
    config,
    logger,
    metrics,
    lifecycle,
  });
  const publisher = queue.createPublisher({
    exchange,
    confirmTimeoutMs: config.PUBLISH_CONFIRM_TIMEOUT_MS,
  });

  const published: ConsumedMessage[] = [];
  let capture: Consumer | undefined;
  const waitUntilCaptured = async (done: () => boolean, timeoutMs: number) => {
    // Re-checked after every settled delivery: the handler pushes before the ack.
    while (!done()) {
      if (capture === undefined) throw new Error('no capture queue bound');
      await nextEvent<[SettledEvent]>(capture, 'settled', { timeoutMs });
    }
  };
  if (options.bindCaptureQueue ?? true) {
    const consumer = await queue.consume({
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
    capture = consumer;
    lifecycle.onStop('capture consumer', () => consumer.stop());
  }
  const orderIdSecret = await readOrderIdSecret({
    configured: config.ORDER_ID_SECRET,
    vault: undefined,
    logger,
  });
  const app = createApp({
    config,
    db,
    cache,
    publisher,
    logger,
    metrics,
    readiness: lifecycle.readiness,
    ...(orderIdSecret === undefined ? {} : { orderIdSecret }),
  });

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
