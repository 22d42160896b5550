import type { Logger } from '@flowstack/observability';
import { serveHealth, startService, type RunningService } from '@flowstack/service-kit';
import type { SampleServiceConfig } from './config.js';
import { consumeSampleService } from './entry-points/sample-service-consumer.js';

/** `url` is the base URL of the health and metrics server. */
export type RunningSampleService = RunningService;

/**
 * Starts PostgreSQL, Redis, RabbitMQ (Vault-leased credentials when VAULT_AUTH_METHOD is set),
 * the health server, then consumption. Steps stop in reverse: consumption first, so in-flight
 * messages finish and ack before the connections close.
 */
export function startSampleService(
  config: SampleServiceConfig,
  logger: Logger,
): Promise<RunningSampleService> {
  return startService(
    { service: 'sample-service', config, logger },
    async ({ cache, queue, lifecycle, metrics }) => {
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
      return { url: server.url };
    },
  );
}
