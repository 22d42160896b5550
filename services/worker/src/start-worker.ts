import type { Logger } from '@flowstack/observability';
import { serveHealth, startService, type RunningService } from '@flowstack/service-kit';
import { workerConfigSchema, type WorkerConfig } from './config.js';
import { consumeOrderCreated } from './entry-points/mq/order-created-consumer.js';

/** `url` is the base URL of the health and metrics server. */
export type RunningWorker = RunningService;

/**
 * Starts the worker: PostgreSQL, Redis, RabbitMQ, the health server, then consumption. Shutdown
 * first cancels consumption and lets in-flight messages commit and ack, then closes the rest.
 */
export function startWorker(config: WorkerConfig, logger: Logger): Promise<RunningWorker> {
  return startService(
    { service: 'worker', config, schema: workerConfigSchema, logger },
    async ({ db, cache, queue, lifecycle, metrics }) => {
      const server = await serveHealth(lifecycle, {
        host: config.HOST,
        port: config.HEALTH_PORT,
        registry: metrics.registry,
      });
      await lifecycle.step('consumer', async () => {
        const consumer = await consumeOrderCreated(
          queue,
          {
            db,
            cache,
            logger,
            // Read per message: live config (Consul KV) may change it.
            get cacheTtlSeconds() {
              return config.CACHE_TTL_SECONDS;
            },
          },
          {
            exchange: config.ORDERS_EXCHANGE,
            assertExchange: config.ORDERS_EXCHANGE_DECLARE,
            queue: config.ORDERS_QUEUE,
            queueType: config.RABBITMQ_QUEUE_TYPE,
            prefetch: config.WORKER_PREFETCH,
            batchSize: config.WORKER_BATCH_SIZE,
            maxAttempts: config.WORKER_MAX_ATTEMPTS,
            retryDelaysMs: config.WORKER_RETRY_DELAYS_MS,
          },
        );
        return { value: consumer, stop: () => consumer.stop() };
      });
      // Registered after this (by startService), so deregistered before consumption stops.
      return { url: server.url };
    },
  );
}
