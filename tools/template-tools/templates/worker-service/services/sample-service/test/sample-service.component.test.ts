import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { createCache } from '@flowstack/cache';
import { loadConfig } from '@flowstack/config';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { testEnvironment } from '@flowstack/domain/testing';
import { createLogger } from '@flowstack/observability';
import { uniqueId, waitFor } from '@flowstack/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sampleServiceConfigSchema } from '../src/config.js';
import { handledKey } from '../src/domain/handle-sample-service-message.js';
import { startSampleService, type RunningSampleService } from '../src/start-sample-service.js';

describe('sample-service against the real PostgreSQL, Redis and RabbitMQ', () => {
  const id = uniqueId();
  const exchange = `test.sample-service.${id}`;
  const queue = `test.sample-service.work.${id}`;
  const config = loadConfig(
    'sample-service',
    sampleServiceConfigSchema,
    testEnvironment({
      SAMPLE_SERVICE_EXCHANGE: exchange,
      SAMPLE_SERVICE_QUEUE: queue,
      SAMPLE_SERVICE_RETRY_DELAYS_MS: '50',
    }),
  );
  const logger = createLogger({ service: 'sample-service', level: 'silent' });
  let running: RunningSampleService;
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;

  beforeAll(async () => {
    running = await startSampleService(config, logger);
    connection = await amqp.connect(
      `amqp://${config.RABBITMQ_USER}:${config.RABBITMQ_PASSWORD ?? ''}@${config.RABBITMQ_HOST}:${config.RABBITMQ_PORT}`,
    );
    channel = await connection.createConfirmChannel();
  });

  afterAll(async () => {
    await running.stop();
    for (const name of [queue, `${queue}.dead`, `${queue}.retry.50`]) {
      await channel.deleteQueue(name);
    }
    await channel.deleteExchange(`${queue}.moves`);
    await channel.deleteExchange(exchange);
    await connection.close();
  });

  async function publish(body: unknown): Promise<void> {
    channel.publish(
      exchange,
      config.SAMPLE_SERVICE_ROUTING_KEY,
      Buffer.from(JSON.stringify(body)),
      {
        messageId: randomUUID(),
        persistent: true,
        contentType: 'application/json',
      },
    );
    await channel.waitForConfirms();
  }

  it('when it has started, then it reports ready', async () => {
    const response = await fetch(`${running.url}/health/ready`);
    expect(response.status).toBe(200);
  });

  it('when a message is published, then it is handled and recorded in Redis', async () => {
    const messageId = randomUUID();
    await publish({ id: messageId, payload: { a: 1, b: 2 } });
    const cache = await createCache({
      host: config.REDIS_HOST,
      port: config.REDIS_PORT,
      keyPrefix: config.REDIS_KEY_PREFIX,
      credentials: createStaticCredentialSource({
        username: config.REDIS_USERNAME,
        password: config.REDIS_PASSWORD,
      }),
      logger,
    });
    try {
      const parse = (raw: unknown) => z.object({ id: z.string(), keys: z.number() }).parse(raw);
      const handled = await waitFor(() => cache.getJson(handledKey(messageId), parse));
      expect(handled).toEqual({ id: messageId, keys: 2 });
    } finally {
      await cache.close();
    }
  });

  it('when a message is invalid, then it is dead-lettered without retries', async () => {
    const marker = randomUUID();
    await publish({ payload: { marker } });
    const dead = await waitFor(async () => {
      const message = await channel.get(`${queue}.dead`, { noAck: true });
      return message === false ? undefined : message.content.toString();
    });
    expect(dead).toContain(marker);
  });
});
