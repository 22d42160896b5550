import { liveConfigKeys, type CommonConfig } from '@flowstack/config';
import {
  assertDiscoveryTrusted,
  createConsulClient,
  discoverService,
  discoverServiceByDns,
  parseDnsServer,
  registerService,
  watchLiveConfig,
  type ConsulClient,
  type DiscoveredService,
} from '@flowstack/consul';
import type { AddressSource } from '@flowstack/credentials';
import type { Logger } from '@flowstack/observability';
import type { z } from 'zod';
import type { Lifecycle } from './lifecycle/lifecycle.js';

export type DataServiceName = 'postgres' | 'redis' | 'rabbitmq';

export interface ConsulWiring {
  /** Where PostgreSQL, Redis and RabbitMQ are, when CONSUL_DISCOVERY is on; empty otherwise. */
  addresses: Partial<Record<DataServiceName, AddressSource>>;
  /** Finds another dependency (e.g. `vault`) the same way; undefined when discovery is off. */
  discover(consulName: string): Promise<AddressSource | undefined>;
  /**
   * With CONSUL_REGISTER, registers the process listening at `url` as a lifecycle step. Call it
   * after the listener step: steps stop in reverse, so on shutdown it is deregistered after
   * readiness went 503 (and the drain delay) and before the listener closes.
   */
  register(url: string): Promise<void>;
}

export interface OpenConsulOptions<S extends z.ZodObject> {
  service: 'api' | 'worker';
  /** The process's config object: live keys are applied to it, so code reading it per use follows. */
  config: CommonConfig & z.output<S>;
  schema: S;
  logger: Logger;
  lifecycle: Lifecycle;
  startupTimeoutMs?: number;
}

/**
 * The Consul side of a process, from its CONSUL_* keys: discovery of the data services, live
 * configuration from KV, and self-registration. Everything is off by default (then nothing
 * talks to Consul).
 */
export async function openConsul<S extends z.ZodObject>(
  options: OpenConsulOptions<S>,
): Promise<ConsulWiring> {
  const { config, logger, lifecycle, service } = options;
  const timeoutMs = options.startupTimeoutMs ?? 15_000;
  const needed =
    config.CONSUL_REGISTER || config.CONSUL_LIVE_CONFIG || config.CONSUL_DISCOVERY !== 'off';
  if (!needed) {
    return {
      addresses: {},
      discover: () => Promise.resolve(undefined),
      register: () => Promise.resolve(),
    };
  }
  const client = await lifecycle.step('consul', () => {
    const consul = createConsulClient({
      address: config.CONSUL_HTTP_ADDR,
      token: config.CONSUL_HTTP_TOKEN,
      logger,
    });
    return Promise.resolve({ value: consul, stop: () => Promise.resolve(consul.close()) });
  });

  if (config.CONSUL_LIVE_CONFIG) {
    await lifecycle.step('live-config', async () => {
      const initial = { ...config };
      const live = watchLiveConfig({
        client,
        prefix: `flowstack/config/${service}/`,
        schema: options.schema,
        liveKeys: liveConfigKeys[service],
        initial,
        apply: (key, value) => {
          Object.assign(config, { [key]: value });
          if (key === 'LOG_LEVEL' && typeof value === 'string') logger.level = value;
        },
        logger,
      });
      // Start with what KV says; a missing Consul is a startup failure like a missing database.
      await live.ready(timeoutMs).catch((error: unknown) => {
        live.stop();
        throw error;
      });
      return { value: live, stop: () => Promise.resolve(live.stop()) };
    });
  }

  let trusted: Promise<void> | undefined;
  const discover = async (consulName: string): Promise<DiscoveredService | undefined> => {
    if (config.CONSUL_DISCOVERY === 'off') return undefined;
    if (config.CONSUL_DISCOVERY_REQUIRE_ACL) {
      trusted ??= assertDiscoveryTrusted(client, {
        address: config.CONSUL_HTTP_ADDR,
        token: config.CONSUL_HTTP_TOKEN,
      });
      await trusted;
    }
    return lifecycle.step(`discover-${consulName}`, async () => {
      const found =
        config.CONSUL_DISCOVERY === 'dns'
          ? await discoverServiceByDns(consulName, {
              server: parseDnsServer(config.CONSUL_DNS_SERVER),
              logger,
              timeoutMs,
            })
          : await discoverService(client, consulName, { logger, timeoutMs });
      return { value: found, stop: () => Promise.resolve(found.close()) };
    });
  };

  const addresses: ConsulWiring['addresses'] = {};
  if (config.CONSUL_DISCOVERY !== 'off') {
    addresses.postgres = await discover(config.CONSUL_POSTGRES_SERVICE);
    addresses.redis = await discover(config.CONSUL_REDIS_SERVICE);
    addresses.rabbitmq = await discover(config.CONSUL_RABBITMQ_SERVICE);
  }

  return {
    addresses,
    discover,
    register: (url) => registerSelf(client, options, url),
  };
}

async function registerSelf<S extends z.ZodObject>(
  client: ConsulClient,
  options: OpenConsulOptions<S>,
  url: string,
): Promise<void> {
  const { config, lifecycle, service, logger } = options;
  if (!config.CONSUL_REGISTER) return;
  const port = Number(new URL(url).port);
  const address = config.CONSUL_SERVICE_ADDRESS;
  const name = `flowstack-${service}`;
  const id = config.CONSUL_SERVICE_ID ?? `${name}-${address}-${port}`;
  const deregisterCriticalServiceAfter = config.CONSUL_DEREGISTER_CRITICAL_AFTER;
  await lifecycle.step('consul-registration', async () => {
    const registration = await registerService({
      client,
      name,
      id,
      address,
      port,
      tags: ['flowstack', service],
      meta: { service },
      check:
        config.CONSUL_CHECK === 'ttl'
          ? {
              kind: 'ttl',
              ttl: tripled(config.CONSUL_CHECK_INTERVAL),
              heartbeatMs: durationMs(config.CONSUL_CHECK_INTERVAL),
              probe: async () => {
                const report = await lifecycle.readiness.report();
                if (!report.ready) throw new Error(JSON.stringify(report.checks));
              },
              deregisterCriticalServiceAfter,
            }
          : {
              kind: 'http',
              url: `http://${address}:${port}/health/ready`,
              interval: config.CONSUL_CHECK_INTERVAL,
              timeout: config.CONSUL_CHECK_INTERVAL,
              deregisterCriticalServiceAfter,
            },
      logger,
    });
    return { value: registration, stop: () => registration.deregister() };
  });
}

function durationMs(value: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(value);
  if (match === null) return 5_000;
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * factor;
}

function tripled(value: string): string {
  return `${durationMs(value) * 3}ms`;
}
