import type { Express } from 'express';
import type { Logger } from '@flowstack/observability';
import {
  listen,
  readOrderIdSecret,
  startService,
  type RunningService,
  type ServiceContext,
} from '@flowstack/service-kit';
import { createApiServer } from './api-server.js';
import { createApp } from './app.js';
import { apiConfigSchema, type ApiConfig } from './config.js';

export type RunningApi = RunningService;

/**
 * Starts the api: PostgreSQL, Redis, RabbitMQ, then HTTP. Shutdown runs the other way round, after
 * readiness went 503: stop accepting, finish in-flight requests, close the broker, cache and pool.
 */
export function startApi(config: ApiConfig, logger: Logger): Promise<RunningApi> {
  const localCache = {
    ttlMs: config.CACHE_LOCAL_TTL_MS,
    maxEntries: config.CACHE_LOCAL_MAX_ENTRIES,
    maxBytes: config.CACHE_LOCAL_MAX_BYTES,
  };
  return startService(
    { service: 'api', config, schema: apiConfigSchema, logger, localCache },
    async (context) => {
      const { lifecycle, vault } = context;
      const app = await createApiApp(config, logger, context);
      const { server, scheme } = await lifecycle.step('tls', async () => {
        const created = await createApiServer({ config, app, vault, logger });
        return {
          value: created,
          stop: () => {
            created.close();
            return Promise.resolve();
          },
        };
      });
      return lifecycle.step('http', async () => {
        const started = await listen(server, config.HOST, config.PORT);
        const url = started.url.replace(/^http:/, `${scheme}:`);
        return { value: { url }, stop: () => started.close() };
      });
    },
  );
}

/**
 * The Express app on the opened services: the order publisher, the order-id secret, the routes.
 * The component tests' harness builds it the same way and drives it without listening.
 */
export async function createApiApp(
  config: ApiConfig,
  logger: Logger,
  { db, cache, queue, pii, vault, lifecycle, metrics }: ServiceContext,
): Promise<Express> {
  const orderIdSecret = await readOrderIdSecret({
    configured: config.ORDER_ID_SECRET,
    vault,
    logger,
  });
  const publisher = queue.createPublisher({
    exchange: config.ORDERS_EXCHANGE,
    assertExchange: config.ORDERS_EXCHANGE_DECLARE,
    confirmTimeoutMs: config.PUBLISH_CONFIRM_TIMEOUT_MS,
  });
  return createApp({
    config,
    db,
    cache,
    publisher,
    logger,
    metrics,
    readiness: lifecycle.readiness,
    pii,
    ...(orderIdSecret === undefined ? {} : { orderIdSecret }),
  });
}
