import { randomBytes } from 'node:crypto';
import { freePort, type ThrowawayServers } from '@flowstack/test-kit';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { createDatabase, type Database } from '@flowstack/db';
import { spawnService, type ServiceProcess } from '@flowstack/dev-stack';
import { migrateDatabase, ORDER_CREATED, orderIdFor } from '@flowstack/domain';
import { testEnvironment } from '@flowstack/domain/testing';
import { createLogger } from '@flowstack/observability';

export type ServiceName = 'api' | 'worker';

export interface ChaosStack {
  env: Record<string, string>;
  apiUrl: string;
  workerUrl: string;
  processes: Record<ServiceName, ServiceProcess>;
  /** The drill's own database on the throwaway cluster: every row in it belongs to this drill. */
  db: Database;
  /** Every line api and worker wrote, prefixed with the service name. */
  output: string[];
  /** The id the api derives for an Idempotency-Key (HMAC under the stack's order-id secret). */
  orderIdOf: (key: string) => string;
  /** Starts a service again with the same environment (and so the same ports). */
  restart(name: ServiceName): Promise<ServiceProcess>;
  publishRaw(content: Buffer, messageId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * api and worker as real processes against the throwaway servers, with a database, exchange,
 * queue and key prefix of their own and fixed ports, so a restarted process is found again.
 */
export async function startChaosStack(
  servers: ThrowawayServers,
  drill: string,
  overrides: Record<string, string> = {},
): Promise<ChaosStack> {
  const id = `${drill.replace(/[^a-z0-9]/g, '_')}_${Date.now().toString(36)}`;
  const env = testEnvironment({
    POSTGRES_PORT: String(servers.postgres.port),
    POSTGRES_DB: `chaos_${id}`,
    REDIS_PORT: String(servers.redis.port),
    REDIS_KEY_PREFIX: `chaos:${id}:`,
    RABBITMQ_PORT: String(servers.rabbitmq.port),
    ORDERS_EXCHANGE: `chaos.${id}`,
    ORDERS_QUEUE: `chaos.${id}.orders`,
    PORT: String(await freePort()),
    HEALTH_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    PUBLISH_CONFIRM_TIMEOUT_MS: '2000',
    WORKER_RETRY_DELAYS_MS: '200,500,1000,2000',
    WORKER_MAX_ATTEMPTS: '30',
    ORDER_ID_SECRET: randomBytes(32).toString('base64'),
    ...overrides,
  });
  const orderIdSecret = Buffer.from(env.ORDER_ID_SECRET!, 'base64');
  const logger = createLogger({ service: 'chaos', level: 'error' });
  await migrateDatabase({
    host: env.POSTGRES_HOST!,
    port: Number(env.POSTGRES_PORT),
    database: env.POSTGRES_DB!,
    credentials: createStaticCredentialSource({ username: env.POSTGRES_USER }),
    logger,
    createDatabase: true,
    seed: true,
  });
  const output: string[] = [];
  const spawnOne = (name: ServiceName) =>
    spawnService({
      name,
      env: { PATH: process.env.PATH, ...env },
      onLine: (line) => output.push(`${name} ${line}`),
      startupTimeoutMs: 60_000,
    });
  const processes = { worker: await spawnOne('worker'), api: await spawnOne('api') };
  const db = await createDatabase({
    host: env.POSTGRES_HOST!,
    port: Number(env.POSTGRES_PORT),
    database: env.POSTGRES_DB!,
    credentials: createStaticCredentialSource({ username: env.POSTGRES_USER }),
    logger,
  });
  let broker: { connection: ChannelModel; channel: ConfirmChannel } | undefined;

  return {
    env,
    apiUrl: `http://127.0.0.1:${env.PORT}`,
    workerUrl: `http://127.0.0.1:${env.HEALTH_PORT}`,
    processes,
    db,
    output,
    orderIdOf: (key) => orderIdFor(key, orderIdSecret),
    async restart(name) {
      processes[name] = await spawnOne(name);
      return processes[name];
    },
    async publishRaw(content, messageId) {
      if (broker === undefined) {
        const connection = await amqp.connect(
          `amqp://guest:guest@127.0.0.1:${servers.rabbitmq.port}`,
        );
        broker = { connection, channel: await connection.createConfirmChannel() };
      }
      broker.channel.publish(env.ORDERS_EXCHANGE!, ORDER_CREATED, content, {
        messageId,
        persistent: true,
        contentType: 'application/json',
      });
      await broker.channel.waitForConfirms();
    },
    async close() {
      await processes.api.stop();
      await processes.worker.stop();
      await db.close();
      await broker?.connection.close().catch(() => undefined);
    },
  };
}

export function isAlive(service: ServiceProcess): boolean {
  return service.child.exitCode === null && service.child.signalCode === null;
}
