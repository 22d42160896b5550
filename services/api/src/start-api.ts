import { apiConfigSchema, type ApiConfig } from '@flowstack/config';
import { createMetrics, type Logger } from '@flowstack/observability';
import {
  createLifecycle,
  listen,
  openConsul,
  openDataServices,
  readOrderIdSecret,
  type Lifecycle,
} from '@flowstack/service-kit';
import { createApiServer } from './api-server.js';
import { createApp } from './app.js';

export interface RunningApi {
  url: string;
  lifecycle: Lifecycle;
  stop(): Promise<void>;
}

/**
 * Starts the api: PostgreSQL, Redis, RabbitMQ, then HTTP. Shutdown runs the other way round, after
 * readiness went 503: stop accepting, finish in-flight requests, close the broker, cache and pool.
 */
export async function startApi(config: ApiConfig, logger: Logger): Promise<RunningApi> {
  const metrics = createMetrics({ service: 'api' });
  const lifecycle = createLifecycle({
    logger,
    drainDelayMs: config.DRAIN_DELAY_MS,
    stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
  try {
    const consul = await openConsul({
      service: 'api',
      config,
      schema: apiConfigSchema,
      logger,
      lifecycle,
    });
    const { db, cache, queue, pii, vault } = await openDataServices({
      service: 'api',
      config,
      logger,
      metrics,
      lifecycle,
      addresses: consul.addresses,
      localCache: {
        ttlMs: config.CACHE_LOCAL_TTL_MS,
        maxEntries: config.CACHE_LOCAL_MAX_ENTRIES,
        maxBytes: config.CACHE_LOCAL_MAX_BYTES,
      },
    });
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
    const app = createApp({
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
    const http = await lifecycle.step('http', async () => {
      const started = await listen(server, config.HOST, config.PORT);
      const url = started.url.replace(/^http:/, `${scheme}:`);
      return { value: { ...started, url }, stop: () => started.close() };
    });
    await consul.register(http.url);
    return { url: http.url, lifecycle, stop: () => lifecycle.shutdown('stop') };
  } catch (error) {
    await lifecycle.shutdown('startup failed');
    throw error;
  }
}
