import pg from 'pg';
import { commonConfigSchema, loadConfig } from '@flowstack/config';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { serviceEntryPoint } from '@flowstack/dev-stack';
import { migrateDatabase } from '@flowstack/domain';
import { createLogger } from '@flowstack/observability';
import type { PostgresTarget } from '../load/completion.js';
import { listeningLine, spawnNode, type BenchProcess } from './processes.js';

/**
 * The environment the kit runs the stack with: the machine's servers, any free ports, and the
 * production log level (the api writes one line per request, and that is part of the cost).
 */
export function stackEnvironment(
  overrides: Record<string, string> = {},
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {
    // RabbitMQ's out-of-the-box user, which only logs in from localhost (as `npm run dev` does).
    RABBITMQ_USER: 'guest',
    RABBITMQ_PASSWORD: 'guest',
  };
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  return {
    ...env,
    PORT: '0',
    HEALTH_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...overrides,
  };
}

export function postgresTargetOf(env: Record<string, string | undefined>): PostgresTarget {
  const config = loadConfig('bench', commonConfigSchema, env);
  return {
    host: config.POSTGRES_HOST,
    port: config.POSTGRES_PORT,
    database: config.POSTGRES_DB,
    user: config.POSTGRES_USER,
    ...(config.POSTGRES_PASSWORD === undefined ? {} : { password: config.POSTGRES_PASSWORD }),
  };
}

/** Creates the database if needed, applies the migrations and seeds the catalog. */
export async function prepareDatabase(env: Record<string, string>): Promise<void> {
  const pg = postgresTargetOf(env);
  await migrateDatabase({
    host: pg.host,
    port: pg.port,
    database: pg.database,
    credentials: createStaticCredentialSource({
      username: pg.user,
      ...(pg.password === undefined ? {} : { password: pg.password }),
    }),
    logger: createLogger({ service: 'bench', level: 'warn' }),
    createDatabase: true,
    seed: true,
  });
}

/**
 * The services' V8 heap limits, as NODE_OPTIONS in jobs/api.nomad.hcl and jobs/worker.nomad.hcl
 * set them. api, measured with its /metrics under the bench's loads: peak RSS 228 MB without
 * them, 200 MB with the young generation alone bounded, 124 MB with both, the live heap under
 * 70 MB in every case. worker, draining 50,000 messages: 144-194 MB without them, 131-134 MB
 * with these, 116-121 MB with the api's (but ~60 % more CPU per message).
 */
export const HEAP_FLAGS: Record<'api' | 'worker', string[]> = {
  api: ['--max-semi-space-size=4', '--max-old-space-size=128'],
  worker: ['--max-semi-space-size=8', '--max-old-space-size=128'],
};

export function spawnService(
  name: 'api' | 'worker',
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<BenchProcess> {
  return spawnNode({
    name,
    script: serviceEntryPoint(name),
    env,
    nodeArgs: [...HEAP_FLAGS[name], ...nodeArgs],
    readyWhen: listeningLine(name),
  });
}

export interface BenchStack {
  api: BenchProcess;
  worker: BenchProcess;
  stop(): Promise<void>;
}

/** Migrates and seeds, then starts worker and api as real processes. */
export async function startStack(env: Record<string, string>): Promise<BenchStack> {
  await prepareDatabase(env);
  const worker = await spawnService('worker', env);
  let api: BenchProcess;
  try {
    api = await spawnService('api', env);
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return {
    api,
    worker,
    stop: async () => {
      await api.stop();
      await worker.stop();
    },
  };
}

/** Whether something answers /health/live at the URL within a second. */
export async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/health/live', url), {
      signal: AbortSignal.timeout(1_000),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

export function missProductIds(count: number): string[] {
  return Array.from(
    { length: count },
    (_, index) => `bench-miss-${String(index + 1).padStart(7, '0')}`,
  );
}

/** Products nobody reads twice in a run (the cache-miss path), and the naive baseline's table. */
export async function seedBenchTables(
  target: PostgresTarget,
  missProducts: number,
  extraSql: string[] = [],
): Promise<void> {
  const client = new pg.Client(target);
  await client.connect();
  try {
    for (const sql of extraSql) await client.query(sql);
    await client.query(
      `INSERT INTO products (id, name, description, price_cents, currency)
       SELECT 'bench-miss-' || lpad(g::text, 7, '0'), 'Bench product ' || g, '', 100 + g % 900, 'EUR'
       FROM generate_series(1, $1::int) AS g ON CONFLICT (id) DO NOTHING`,
      [missProducts],
    );
  } finally {
    await client.end();
  }
}
