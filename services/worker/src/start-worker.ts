import { workerConfigSchema, type WorkerConfig } from '@flowstack/config';
import { createMetrics, type Logger } from '@flowstack/observability';
import {
  createLifecycle,
  openConsul,
  openDataServices,
  serveHealth,
  type Lifecycle,
} from '@flowstack/service-kit';
import { consumeOrderCreated } from './entry-points/mq/order-created-consumer.js';

export interface RunningWorker {
  /** Base URL of the health and metrics server. */
  url: string;
  lifecycle: Lifecycle;
  stop(): Promise<void>;
}

/**
 * Starts the worker: PostgreSQL, Redis, RabbitMQ, the health server, then consumption. Shutdown
 * first cancels consumption and lets in-flight messages commit and ack, then closes the rest.
 */
export async function startWorker(config: WorkerConfig, logger: Logger): Promise<RunningWorker> {
  const metrics = createMetrics({ service: 'worker' });
  const lifecycle = createLifecycle({
    logger,
    drainDelayMs: config.DRAIN_DELAY_MS,
    stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
  try {
    const consul = await openConsul({
      service: 'worker',
      config,
      schema: workerConfigSchema,
      logger,
      lifecycle,
    });
    const { db, cache, queue } = await openDataServices({
      service: 'worker',
      config,
      logger,
      metrics,
      lifecycle,
      addresses: consul.addresses,
    });
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
    // Last step, so the first to stop: deregistered before consumption and health stop.
    await consul.register(server.url);
    return { url: server.url, lifecycle, stop: () => lifecycle.shutdown('stop') };
  } catch (error) {
    await lifecycle.shutdown('startup failed');
    throw error;
  }
}
