import type { LocalTierOptions } from '@flowstack/cache';
import { createMetrics, type Logger, type Metrics } from '@flowstack/observability';
import type { z } from 'zod';
import { openConsul, type ConsulWiring } from './consul-wiring.js';
import { openDataServices, type DataServices } from './data-services.js';
import { createLifecycle, type Lifecycle } from './lifecycle/lifecycle.js';
import type { DataServicesConfig } from './credential-sources.js';

/**
 * Consul discovery, live config and self-registration (from the CONSUL_* keys) take `api` or
 * `worker` only; a service without `schema` (a scaffolded one: Nomad registers it) skips Consul.
 */
type ServiceIdentity<S extends z.ZodObject> =
  { service: 'api' | 'worker'; schema: S } | { service: string; schema?: undefined };

export type StartServiceOptions<S extends z.ZodObject> = ServiceIdentity<S> & {
  config: DataServicesConfig & z.output<S>;
  logger: Logger;
  /** An in-process tier in front of Redis (see @flowstack/cache); none when absent. */
  localCache?: LocalTierOptions;
  /** Node.js process metrics on /metrics; tests that start many processes in one turn them off. */
  defaultMetrics?: boolean;
  /** How long startup waits for Consul, PostgreSQL and RabbitMQ before giving up. */
  startupTimeoutMs?: number;
};

/** What the service's own steps get: the opened data services, the lifecycle and the metrics. */
export interface ServiceContext extends DataServices {
  lifecycle: Lifecycle;
  metrics: Metrics;
}

export type RunningService<T extends object & { url?: string } = { url: string }> = T & {
  lifecycle: Lifecycle;
  stop(): Promise<void>;
};

/**
 * The start of every process: metrics, the lifecycle, Consul, the data services, then the
 * service's own steps (`start`), then the Consul registration of the URL `start` returns, as the
 * last step so it is the first to stop. When any of it fails, what started stops in reverse and
 * the error is rethrown.
 */
export async function startService<S extends z.ZodObject, T extends object & { url?: string }>(
  options: StartServiceOptions<S>,
  start: (context: ServiceContext) => Promise<T>,
): Promise<RunningService<T>> {
  const { config, logger, service } = options;
  const metrics = createMetrics({ service, defaultMetrics: options.defaultMetrics });
  const lifecycle = createLifecycle({
    logger,
    drainDelayMs: config.DRAIN_DELAY_MS,
    stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
  try {
    const consul = await openConsulOf(options, lifecycle);
    const services = await openDataServices({
      service,
      config,
      logger,
      metrics,
      lifecycle,
      addresses: consul.addresses,
      localCache: options.localCache,
      startupTimeoutMs: options.startupTimeoutMs,
    });
    const started = await start({ ...services, lifecycle, metrics });
    if (started.url !== undefined) await consul.register(started.url);
    return { ...started, lifecycle, stop: () => lifecycle.shutdown('stop') };
  } catch (error) {
    await lifecycle.shutdown('startup failed');
    throw error;
  }
}

function openConsulOf<S extends z.ZodObject>(
  options: StartServiceOptions<S>,
  lifecycle: Lifecycle,
): Promise<Pick<ConsulWiring, 'addresses' | 'register'>> {
  if (!usesConsul(options)) {
    return Promise.resolve({ addresses: {}, register: () => Promise.resolve() });
  }
  return openConsul({
    service: options.service,
    config: options.config,
    schema: options.schema,
    logger: options.logger,
    lifecycle,
    startupTimeoutMs: options.startupTimeoutMs,
  });
}

function usesConsul<S extends z.ZodObject>(
  identity: ServiceIdentity<S>,
): identity is { service: 'api' | 'worker'; schema: S } {
  return identity.schema !== undefined;
}
