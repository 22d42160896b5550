import type { SampleServiceConfig } from '@flowstack/config';
import { createMetrics, type Logger } from '@flowstack/observability';
import {
  createLifecycle,
  openDataServices,
  serveHealth,
  type Lifecycle,
} from '@flowstack/service-kit';
import { consumeSampleService } from './entry-points/sample-service-consumer.js';

export interface RunningSampleService {
  /** Base URL of the health and metrics server. */
  url: string;
  lifecycle: Lifecycle;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL, Redis, RabbitMQ (Vault-leased credentials when VAULT_AUTH_METHOD is set),
 * the health server, then consumption. Steps stop in reverse: consumption first, so in-flight
 * messages finish and ack before the connections close.
 */
export async function startSampleService(
  config: SampleServiceConfig,
  logger: Logger,
): Promise<RunningSampleService> {
  const metrics = createMetrics({ service: 'sample-service' });
  const lifecycle = createLifecycle({
    logger,
    drainDelayMs: config.DRAIN_DELAY_MS,
    stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
  try {
    const { cache, queue } = await openDataServices({
      service: 'sample-service',
      config,
      logger,
      metrics,
      lifecycle,
    });
    const server = await serveHealth(lifecycle, {
      host: config.HOST,
      port: config.HEALTH_PORT,
      registry: metrics.registry,
    });
    await lifecycle.step('consumer', async () => {
      const consumer = await consumeSampleService(
        queue,
        { cache, resultTtlSeconds: config.SAMPLE_SERVICE_RESULT_TTL_SECONDS },
        {
          exchange: config.SAMPLE_SERVICE_EXCHANGE,
          queue: config.SAMPLE_SERVICE_QUEUE,
          queueType: config.RABBITMQ_QUEUE_TYPE,
          routingKey: config.SAMPLE_SERVICE_ROUTING_KEY,
          prefetch: config.SAMPLE_SERVICE_PREFETCH,
          maxAttempts: config.SAMPLE_SERVICE_MAX_ATTEMPTS,
          retryDelaysMs: config.SAMPLE_SERVICE_RETRY_DELAYS_MS,
        },
      );
      return { value: consumer, stop: () => consumer.stop() };
    });
    return { url: server.url, lifecycle, stop: () => lifecycle.shutdown('stop') };
  } catch (error) {
    await lifecycle.shutdown('startup failed');
    throw error;
  }
}
