import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { createDatabase } from '@flowstack/db';
import { PG_AUTH, spawnService, writeWorkloadJwt } from '@flowstack/dev-stack';
import { migrateDatabase, orderIdFor } from '@flowstack/domain';
import { testEnvironment } from '@flowstack/domain/testing';
import { bootstrapVault, DEFAULTS } from '@flowstack/infra-vault';
import { createLogger } from '@flowstack/observability';
import { redisKeyPrefixFor, SERVICE_VAULT_NAMES } from '@flowstack/vault';
import { exportSPKI, generateKeyPair } from 'jose';
import { freePort } from '@flowstack/test-kit';
import type { ChaosStack, ServiceName } from './chaos-stack.js';

const ROOT_TOKEN = 'chaos-root';
const BIN = join(
  dirname(createRequire(import.meta.url).resolve('@flowstack/vault-double')),
  'bin.js',
);

/** The Vault double as a process of its own, so it can die without revoking anything. */
export interface VaultProcess {
  url: string;
  rootToken: string;
  /** SIGKILL: no revocation, no goodbye, the port closes. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the state file it kept writing. */
  start(): Promise<void>;
  /** Re-applies the bootstrap (the engines' connections are not in the double's state file). */
  bootstrap(): Promise<void>;
  /** Leases the double knows under a prefix, with the seconds each has left. */
  leases(prefix: string): Promise<{ id: string; secondsLeft: number }[]>;
}

export interface VaultChaosStack extends ChaosStack {
  vault: VaultProcess;
}

/**
 * api and worker on Vault-issued credentials (JWT login, database/Redis/RabbitMQ leases) against
 * the password-checking PostgreSQL (5433) and the shared Redis and RabbitMQ, with the Vault
 * double running as a child process with a state file.
 */
export async function startVaultChaosStack(
  drill: string,
  options: { credentialTtl: string; env?: Record<string, string> },
): Promise<VaultChaosStack> {
  const id = `${drill.replace(/[^a-z0-9]/g, '_')}_${Date.now().toString(36)}`;
  const dir = await mkdtemp(join(tmpdir(), 'chaos-vault-'));
  const vaultPort = await freePort();
  const url = `http://127.0.0.1:${vaultPort}`;
  const stateFile = join(dir, 'vault-state.json');
  const base = testEnvironment({
    POSTGRES_HOST: PG_AUTH.host,
    POSTGRES_PORT: String(PG_AUTH.port),
    POSTGRES_DB: `chaos_${id}`,
    REDIS_KEY_PREFIX: `chaos:${id}:`,
    ORDERS_EXCHANGE: `chaos.${id}`,
    ORDERS_QUEUE: `chaos.${id}.orders`,
    PORT: String(await freePort()),
    HEALTH_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    PUBLISH_CONFIRM_TIMEOUT_MS: '2000',
    WORKER_RETRY_DELAYS_MS: '200,500,1000,2000',
    WORKER_MAX_ATTEMPTS: '30',
    RATE_LIMIT_REQUESTS_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
    VAULT_REVOKE_GRACE_MS: '1000',
    TRANSIT_MODE: 'envelope',
    ...options.env,
  });
  const logger = createLogger({ service: 'chaos', level: 'error' });
  const admin = createStaticCredentialSource({
    username: PG_AUTH.adminUser,
    password: PG_AUTH.adminPassword,
  });
  await migrateDatabase({
    host: PG_AUTH.host,
    port: PG_AUTH.port,
    database: base.POSTGRES_DB!,
    credentials: admin,
    logger,
    createDatabase: true,
    seed: true,
  });

  let child: ChildProcess | undefined;
  const startDouble = async () => {
    const started = spawn(
      process.execPath,
      [BIN, '--port', String(vaultPort), '--root-token', ROOT_TOKEN, '--state-file', stateFile],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      started.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('vault-double listening')) resolve();
      });
      started.once('exit', (code) => reject(new Error(`vault double exited with ${code}`)));
    });
  };
  const vaultHttp = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}/v1/${path}`, {
      method,
      headers: { 'x-vault-token': ROOT_TOKEN, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: await response.json().catch((): unknown => ({})) };
  };

  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const publicPem = await exportSPKI(publicKey);
  const bootstrap = async () => {
    await bootstrapVault({
      ...DEFAULTS,
      address: url,
      token: ROOT_TOKEN,
      postgres: {
        url: `postgresql://${PG_AUTH.adminUser}:${PG_AUTH.adminPassword}@${PG_AUTH.host}:${PG_AUTH.port}/${base.POSTGRES_DB}`,
      },
      redis: {
        host: base.REDIS_HOST!,
        port: Number(base.REDIS_PORT),
        username: 'default',
        password: 'local-nopass',
      },
      rabbitmq: {
        managementUrl: `http://${base.RABBITMQ_HOST}:15672`,
        username: 'guest',
        password: 'guest',
      },
      jwt: { publicKeys: [publicPem] },
      credentialTtl: options.credentialTtl,
      credentialMaxTtl: '1h',
      auditFilePath: 'discard',
      ordersExchange: base.ORDERS_EXCHANGE!,
      ordersQueue: base.ORDERS_QUEUE!,
      workerRetryDelaysMs: base.WORKER_RETRY_DELAYS_MS!.split(',').map(Number),
      redisKeyPrefix: base.REDIS_KEY_PREFIX!,
    });
  };
  await startDouble();
  await bootstrap();

  const envOf = async (service: ServiceName): Promise<Record<string, string>> => ({
    ...base,
    VAULT_AUTH_METHOD: 'jwt',
    VAULT_ADDR: url,
    VAULT_JWT_FILE: await writeWorkloadJwt(dir, service, privateKey),
    VAULT_JWT_ROLE: SERVICE_VAULT_NAMES[service].jwtRole,
    // The Vault-issued Redis users may touch their own service's keys only.
    REDIS_KEY_PREFIX: redisKeyPrefixFor(service, base.REDIS_KEY_PREFIX),
    // The bootstrap declared the orders exchange; the leased users may not.
    ORDERS_EXCHANGE_DECLARE: 'false',
  });
  const envs = { worker: await envOf('worker'), api: await envOf('api') };
  const output: string[] = [];
  const spawnOne = (name: ServiceName) =>
    spawnService({
      name,
      env: { PATH: process.env.PATH, ...envs[name] },
      onLine: (line) => output.push(`${name} ${line}`),
      startupTimeoutMs: 60_000,
    });
  const processes = { worker: await spawnOne('worker'), api: await spawnOne('api') };
  // The api derives order ids under the key the bootstrap wrote into its KV config.
  const kvConfig = await vaultHttp('GET', `kv/data/${SERVICE_VAULT_NAMES.api.kvConfigPath}`);
  const orderIdSecret = Buffer.from(
    String(
      (kvConfig.json as { data?: { data?: Record<string, unknown> } }).data?.data?.[
        'order_id_secret'
      ],
    ),
    'base64',
  );
  const db = await createDatabase({
    host: PG_AUTH.host,
    port: PG_AUTH.port,
    database: base.POSTGRES_DB!,
    credentials: admin,
    logger,
  });

  const kill = async () => {
    const running = child;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };

  return {
    env: envs.api,
    apiUrl: `http://127.0.0.1:${base.PORT}`,
    workerUrl: `http://127.0.0.1:${base.HEALTH_PORT}`,
    processes,
    db,
    output,
    orderIdOf: (key) => orderIdFor(key, orderIdSecret),
    async restart(name) {
      processes[name] = await spawnOne(name);
      return processes[name];
    },
    publishRaw: () => Promise.reject(new Error('not used by the Vault drill')),
    vault: {
      url,
      rootToken: ROOT_TOKEN,
      kill,
      start: startDouble,
      bootstrap,
      async leases(prefix) {
        const list = await vaultHttp('LIST', `sys/leases/lookup/${prefix}`);
        const keys = (list.json as { data?: { keys?: string[] } }).data?.keys ?? [];
        const found: { id: string; secondsLeft: number }[] = [];
        for (const key of keys) {
          const leaseId = `${prefix}${key}`;
          const lookup = await vaultHttp('PUT', 'sys/leases/lookup', { lease_id: leaseId });
          const ttl = (lookup.json as { data?: { ttl?: number } }).data?.ttl;
          if (typeof ttl === 'number') found.push({ id: leaseId, secondsLeft: ttl });
        }
        return found;
      },
    },
    async close() {
      await processes.api.stop();
      await processes.worker.stop();
      await db.close();
      // A graceful stop: the double revokes the leases it knows, so their users do not linger.
      const running = child;
      if (running !== undefined && running.exitCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
