import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Cache } from '@flowstack/cache';
import type { Database } from '@flowstack/db';
import type { Logger, Metrics } from '@flowstack/observability';
import type { Publisher } from '@flowstack/queue';
import { createStoredFingerprints } from '@flowstack/domain';
import { createHealthEndpoints, type ReadinessRegistry } from '@flowstack/service-kit';
import type { ApiConfig } from './config.js';
import { errorHandler, notFoundHandler } from './entry-points/http/error-handler.js';
import { apiDocs, openApiDocument } from './entry-points/http/openapi.js';
import { registerOrderRoutes } from './entry-points/http/order-routes.js';
import { registerProductRoutes } from './entry-points/http/product-routes.js';
import { limitMetricsInFlight } from './entry-points/http/metrics-limit.js';
import { isUnlimitedPath, rateLimit } from './entry-points/http/rate-limit.js';
import { requestContext } from './entry-points/http/request-context.js';

export interface AppDeps {
  config: Pick<
    ApiConfig,
    | 'HTTP_BODY_LIMIT'
    | 'CACHE_TTL_SECONDS'
    | 'PENDING_ORDER_TTL_SECONDS'
    | 'ACCEPT_ORDERS'
    | 'RATE_LIMIT_REQUESTS_PER_SECOND'
    | 'RATE_LIMIT_BURST'
    | 'API_DOCS_ENABLED'
  >;
  db: Database;
  cache: Cache;
  publisher: Publisher;
  logger: Logger;
  metrics: Metrics;
  readiness: ReadinessRegistry;
  /** Seals the customer's e-mail before it is published (Vault Transit when Vault is on). */
  pii?: { seal(plaintext: string): Promise<string> };
  /** HMAC key of the order ids (decision 002); without it they are the public UUIDv5 of the key. */
  orderIdSecret?: Buffer;
}

/** Concurrent `/metrics` answers; two Prometheus replicas scraping at once still fit. */
const METRICS_IN_FLIGHT = 4;

/** Builds the Express app without listening: tests drive it with supertest. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestContext(deps.logger, deps.metrics));
  app.use(helmet());
  // Before the body parser, so a flooding client costs no parsing. Settings are read per request.
  app.use(
    rateLimit({
      settings: () => ({
        requestsPerSecond: deps.config.RATE_LIMIT_REQUESTS_PER_SECOND,
        burst: deps.config.RATE_LIMIT_BURST,
      }),
      exempt: isUnlimitedPath,
      logger: {
        error: (err, msg) => deps.logger.error({ err }, msg ?? 'rate limit store error'),
        warn: (err, msg) => deps.logger.warn({ err }, msg ?? 'rate limit configuration'),
      },
    }),
  );
  app.use(
    express.json({ limit: deps.config.HTTP_BODY_LIMIT, strict: true, type: 'application/json' }),
  );

  const health = createHealthEndpoints({
    readiness: deps.readiness,
    registry: deps.metrics.registry,
  });
  app.get('/health/live', health.live);
  app.get('/health/ready', health.ready);
  app.get('/metrics', limitMetricsInFlight(health.metrics, METRICS_IN_FLIGHT));
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  if (deps.config.API_DOCS_ENABLED) app.use('/docs', ...apiDocs('/openapi.json'));

  const domainDeps = {
    db: deps.db,
    cache: deps.cache,
    publisher: deps.publisher,
    logger: deps.logger,
    // Getters, read per use: live config (Consul KV) changes the config object at runtime.
    get cacheTtlSeconds() {
      return deps.config.CACHE_TTL_SECONDS;
    },
    get pendingTtlSeconds() {
      return deps.config.PENDING_ORDER_TTL_SECONDS;
    },
    acceptingOrders: () => deps.config.ACCEPT_ORDERS,
    storedFingerprints: createStoredFingerprints(deps.db),
    ...(deps.pii === undefined ? {} : { pii: deps.pii }),
    ...(deps.orderIdSecret === undefined ? {} : { orderIdSecret: deps.orderIdSecret }),
  };
  registerProductRoutes(app, domainDeps);
  registerOrderRoutes(app, domainDeps);

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
