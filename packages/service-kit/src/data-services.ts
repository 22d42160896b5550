import { createCache, type Cache, type LocalTierOptions } from '@flowstack/cache';
import { createDatabase, type Database } from '@flowstack/db';
import { AppError } from '@flowstack/errors';
import type { Logger, Metrics } from '@flowstack/observability';
import { createQueueConnection, type QueueConnection } from '@flowstack/queue';
import type { PiiSealer, VaultClient } from '@flowstack/vault';
import type { Lifecycle } from './lifecycle/lifecycle.js';
import type { ConsulWiring } from './consul-wiring.js';
import { tlsPeerOf } from './data-tls.js';
import { openCredentialSources, type DataServicesConfig } from './credential-sources.js';
import { choosePiiSealer } from './pii.js';
import { openVault } from './vault-login.js';

export interface DataServices {
  db: Database;
  cache: Cache;
  queue: QueueConnection;
  /** Present when VAULT_AUTH_METHOD is not `none`. */
  vault: VaultClient | undefined;
  /** Seals the customer's e-mail (Transit with Vault; local key or marked plaintext without). */
  pii: PiiSealer;
}

export interface OpenDataServicesOptions {
  service: string;
  config: DataServicesConfig;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
  /** How long startup waits for PostgreSQL and RabbitMQ before giving up. */
  startupTimeoutMs?: number;
  /** Addresses that can move (Consul discovery, see openConsul); static *_HOST/*_PORT otherwise. */
  addresses?: ConsulWiring['addresses'];
  /** An in-process tier in front of Redis (see @flowstack/cache); none when absent. */
  localCache?: LocalTierOptions;
}

/**
 * Logs in to Vault when configured (then every credential is a Vault lease), and opens
 * PostgreSQL, Redis and RabbitMQ in that order, each as a lifecycle step (so they close in
 * reverse), and registers their readiness checks. PostgreSQL and RabbitMQ must answer at startup;
 * Redis may be down: reads fall back to PostgreSQL, so it is reported but not critical.
 */
export async function openDataServices(options: OpenDataServicesOptions): Promise<DataServices> {
  const { config, logger, lifecycle, service } = options;
  const startupTimeoutMs = options.startupTimeoutMs ?? 15_000;
  // Read before any connection opens: a bad CA file stops start-up, it does not degrade to TCP.
  const tls = {
    postgres: tlsPeerOf(config, 'POSTGRES'),
    redis: tlsPeerOf(config, 'REDIS'),
    rabbitmq: tlsPeerOf(config, 'RABBITMQ'),
  };
  const vault = await openVault({ ...options, startupTimeoutMs });
  const sources = await openCredentialSources(config, vault);

  const db = await lifecycle.step('postgres', async () => {
    const database = await createDatabase({
      host: config.POSTGRES_HOST,
      port: config.POSTGRES_PORT,
      database: config.POSTGRES_DB,
      credentials: sources.postgres,
      address: options.addresses?.postgres,
      poolMax: config.POSTGRES_POOL_MAX,
      statementTimeoutMs: config.POSTGRES_STATEMENT_TIMEOUT_MS,
      applicationName: service,
      ...(tls.postgres === undefined ? {} : { tls: tls.postgres }),
      logger,
    });
    await retryUntil(startupTimeoutMs, () => database.ping()).catch(async (error: unknown) => {
      await database.close();
      throw unreachable('PostgreSQL', `${config.POSTGRES_HOST}:${config.POSTGRES_PORT}`, error);
    });
    return { value: database, stop: () => database.close() };
  });
  lifecycle.readiness.register('postgres', () => db.ping());

  const cache = await lifecycle.step('redis', async () => {
    const client = await createCache({
      host: config.REDIS_HOST,
      port: config.REDIS_PORT,
      keyPrefix: config.REDIS_KEY_PREFIX,
      credentials: sources.redis,
      address: options.addresses?.redis,
      commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
      logger,
      ...(options.localCache === undefined ? {} : { local: options.localCache }),
      ...(tls.redis === undefined ? {} : { tls: tls.redis }),
    });
    return { value: client, stop: () => client.close() };
  });
  lifecycle.readiness.register('redis', () => cache.ping(), { critical: false });

  const queue = await lifecycle.step('rabbitmq', async () => {
    const connection = createQueueConnection({
      host: config.RABBITMQ_HOST,
      port: config.RABBITMQ_PORT,
      nodes: config.RABBITMQ_HOSTS,
      vhost: config.RABBITMQ_VHOST,
      credentials: sources.rabbitmq,
      address: options.addresses?.rabbitmq,
      logger,
      metrics: options.metrics.queue,
      connectionName: service,
      ...(tls.rabbitmq === undefined ? {} : { tls: tls.rabbitmq }),
    });
    await connection.waitUntilConnected(startupTimeoutMs).catch(async (error: unknown) => {
      await connection.close();
      throw unreachable('RabbitMQ', rabbitmqNodes(config), error);
    });
    return { value: connection, stop: () => connection.close() };
  });
  lifecycle.readiness.register('rabbitmq', () => queue.ping());

  return { db, cache, queue, vault, pii: choosePiiSealer(config, vault) };
}

/** RABBITMQ_HOSTS when set, RABBITMQ_HOST:RABBITMQ_PORT otherwise. */
export function rabbitmqNodes(config: DataServicesConfig): string {
  const nodes = config.RABBITMQ_HOSTS ?? [
    { host: config.RABBITMQ_HOST, port: config.RABBITMQ_PORT },
  ];
  return nodes.map(({ host, port }) => `${host}:${port}`).join(', ');
}

function unreachable(server: string, address: string, cause: unknown): AppError {
  return new AppError(`${server} is not reachable at ${address}.`, {
    status: 503,
    code: 'dependency-unreachable',
    isOperational: true,
    cause,
  });
}

async function retryUntil(timeoutMs: number, attempt: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delayMs = 100;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (Date.now() + delayMs > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 2_000);
    }
  }
}
