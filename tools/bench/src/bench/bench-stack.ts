import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PG_AUTH } from '@flowstack/dev-stack';
import type { PostgresTarget } from '../load/completion.js';
import {
  postgresTargetOf,
  prepareDatabase,
  spawnService,
  stackEnvironment,
} from '../stack/local-stack.js';
import { listeningLine, spawnNode, type BenchProcess } from '../stack/processes.js';

/**
 * `vault`: the stack as `npm run dev` runs it and as it is deployed: JWT login to Vault, leased
 * PostgreSQL/Redis/RabbitMQ users, Transit on every order, Consul registration, discovery and
 * live config (the doubles, in a process of their own). `no-vault`: static credentials, no
 * Transit, no Consul.
 */
export type BenchProfile = 'vault' | 'no-vault';

export interface BenchStack {
  profile: BenchProfile;
  /** Environment shared by baselines and services (this run's exchange, queue, prefix). */
  env: Record<string, string>;
  /** Where flowstack's orders are stored, as an administrator sees it. */
  pgTarget: PostgresTarget;
  startService(
    name: 'api' | 'worker',
    nodeArgs?: string[],
    extraEnv?: Record<string, string>,
  ): Promise<BenchProcess>;
  /**
   * The environment that makes a service reach RabbitMQ at 127.0.0.1:`port` (a proxy in front
   * of it): the port itself without Consul, else a Consul service of its own at that port.
   */
  routeRabbitThrough(port: number): Promise<Record<string, string>>;
  /** Vault requests since the stack started (the audit log's request entries); vault only. */
  vaultRequests(): Promise<number | undefined>;
  stop(): Promise<void>;
}

const DOUBLES_HOST = fileURLToPath(new URL('../stack/doubles-host.js', import.meta.url));

interface DoublesEnvironment {
  auditFile?: string;
  consulToken: string;
  api: Record<string, string>;
  worker: Record<string, string>;
}

/** Prepares the database and, for `vault`, starts and bootstraps the doubles. */
export async function openBenchStack(profile: BenchProfile): Promise<BenchStack> {
  const runId = randomUUID().slice(0, 8);
  const database = process.env.BENCH_POSTGRES_DB ?? 'flowstack_bench';
  const overrides: Record<string, string> = {
    POSTGRES_DB: database,
    ORDERS_EXCHANGE: `flowstack.bench.${runId}`,
    ORDERS_QUEUE: `flowstack.bench.${runId}.store`,
    // A fresh prefix: every cache starts cold, and keys of earlier runs do not count.
    REDIS_KEY_PREFIX: `flowstack:bench:${runId}:`,
    BASELINE_EXCHANGE: `bench.baseline.${runId}`,
    BASELINE_QUEUE: `bench.baseline.${runId}.orders`,
  };
  if (profile === 'vault') {
    // The password-checking cluster, as with Vault in `npm run dev`; baselines use it too, so
    // both sides of the read ratios query the same PostgreSQL.
    Object.assign(overrides, {
      POSTGRES_HOST: PG_AUTH.host,
      POSTGRES_PORT: String(PG_AUTH.port),
      POSTGRES_USER: PG_AUTH.adminUser,
      POSTGRES_PASSWORD: PG_AUTH.adminPassword,
    });
  }
  const env = stackEnvironment(overrides);
  const pgTarget = postgresTargetOf(env);
  if (profile === 'no-vault') {
    await prepareDatabase(env);
    return {
      profile,
      env,
      pgTarget,
      startService: (name, nodeArgs = [], extraEnv = {}) =>
        spawnService(name, { ...env, ...extraEnv }, nodeArgs),
      routeRabbitThrough: (port) =>
        Promise.resolve({ RABBITMQ_HOST: '127.0.0.1', RABBITMQ_PORT: String(port) }),
      vaultRequests: () => Promise.resolve(undefined),
      stop: () => Promise.resolve(),
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'flowstack-bench-'));
  const envFile = join(dir, 'services.json');
  const doubles = await spawnNode({
    name: 'vault and consul doubles',
    script: DOUBLES_HOST,
    args: [envFile],
    env,
    readyWhen: listeningLine('doubles-host'),
    startupTimeoutMs: 120_000,
  }).catch((error: unknown) => {
    throw new Error(
      `the vault profile could not start (it needs the password-checking PostgreSQL on ${PG_AUTH.port}: scripts/pg-auth-cluster.sh; or run with --no-vault): ${String(error)}`,
    );
  });
  const services = JSON.parse(await readFile(envFile, 'utf8')) as DoublesEnvironment;
  const serviceEnv = (name: 'api' | 'worker') => {
    // The services log in with their own leased users: no static credentials are handed over.
    const { POSTGRES_USER: _u, POSTGRES_PASSWORD: _p, ...rest } = env;
    return { ...rest, ...services[name] };
  };
  return {
    profile,
    env,
    pgTarget,
    startService: (name, nodeArgs = [], extraEnv = {}) =>
      spawnService(name, { ...serviceEnv(name), ...extraEnv }, nodeArgs),
    routeRabbitThrough: async (port) => {
      const consul = services.api.CONSUL_HTTP_ADDR;
      if (consul === undefined) throw new Error('the vault profile runs without Consul');
      const name = `rabbitmq-bench-${runId}`;
      const response = await fetch(`${consul}/v1/agent/service/register`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-consul-token': services.consulToken },
        body: JSON.stringify({ ID: name, Name: name, Address: '127.0.0.1', Port: port }),
      });
      if (!response.ok) {
        throw new Error(`registering ${name} in Consul answered ${response.status}`);
      }
      return {
        CONSUL_RABBITMQ_SERVICE: name,
        RABBITMQ_HOST: '127.0.0.1',
        RABBITMQ_PORT: String(port),
      };
    },
    vaultRequests: () =>
      services.auditFile === undefined
        ? Promise.resolve(undefined)
        : countAuditRequests(services.auditFile),
    stop: async () => {
      await doubles.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Request entries in a Vault audit log (one JSON object per line, `"type":"request"`). */
async function countAuditRequests(file: string): Promise<number> {
  const size = (await stat(file)).size;
  const handle = await open(file, 'r');
  let count = 0;
  try {
    const chunk = Buffer.alloc(1 << 20);
    const needle = Buffer.from('"type":"request"');
    let carry = Buffer.alloc(0);
    for (let position = 0; position < size;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const text = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) count++;
      carry = Buffer.from(text.subarray(Math.max(0, text.length - needle.length + 1)));
    }
  } finally {
    await handle.close();
  }
  return count;
}
