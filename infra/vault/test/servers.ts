import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startVaultDouble } from '@flowstack/vault-double';
import pg from 'pg';
import type { BootstrapOptions } from '../src/bootstrap-options.js';
import { DEFAULTS } from '../src/bootstrap-options.js';
import { DEFAULT_WORKLOAD_NAMESPACES } from '../src/workload-roles.js';

const PG_AUTH_SCRIPT = fileURLToPath(
  new URL('../../../scripts/pg-auth-cluster.sh', import.meta.url),
);

/** The password-checking PostgreSQL on 5433 (started by scripts/pg-auth-cluster.sh if down). */
export function pgAuthCluster(): { host: string; port: number; user: string; password: string } {
  const out = execFileSync(PG_AUTH_SCRIPT, { encoding: 'utf8' });
  const vars = new Map(
    out
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return {
    host: vars.get('PG_AUTH_HOST') ?? '127.0.0.1',
    port: Number(vars.get('PG_AUTH_PORT') ?? 5433),
    user: vars.get('PG_AUTH_USER') ?? 'vaultadmin',
    password: vars.get('PG_AUTH_PASSWORD') ?? '',
  };
}

/** A database of its own on the 5433 cluster; drop() removes it. */
export async function scratchDatabase(): Promise<{
  url: string;
  name: string;
  drop(): Promise<void>;
}> {
  const cluster = pgAuthCluster();
  const name = `vb_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ ...cluster, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const auth = `${encodeURIComponent(cluster.user)}:${encodeURIComponent(cluster.password)}`;
  return {
    name,
    url: `postgresql://${auth}@${cluster.host}:${cluster.port}/${name}?sslmode=disable`,
    async drop() {
      const client = new pg.Client({ ...cluster, database: 'postgres' });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** The Vault double by default; the server in VAULT_ADDR (with VAULT_TOKEN) when set. */
export async function openVault(): Promise<{
  address: string;
  token: string;
  isDouble: boolean;
  stop(): Promise<void>;
}> {
  const address = process.env['VAULT_ADDR'];
  if (address) {
    const token = process.env['VAULT_TOKEN'];
    if (!token) throw new Error('VAULT_ADDR is set but VAULT_TOKEN is not');
    return { address, token, isDouble: false, stop: () => Promise.resolve() };
  }
  const double = await startVaultDouble({ port: 0 });
  return {
    address: double.url,
    token: double.rootToken,
    isDouble: true,
    stop: () => double.stop(),
  };
}

export const REDIS = {
  host: process.env['REDIS_HOST'] ?? '127.0.0.1',
  port: Number(process.env['REDIS_PORT'] ?? 6379),
  username: process.env['REDIS_ADMIN_USER'] ?? 'default',
  // The local default user has no password and accepts any; Vault requires one.
  password: process.env['REDIS_ADMIN_PASSWORD'] ?? 'unused-by-a-nopass-default-user',
};

export const RABBITMQ = {
  managementUrl: process.env['RABBITMQ_MANAGEMENT_URL'] ?? 'http://127.0.0.1:15672',
  username: process.env['RABBITMQ_ADMIN_USER'] ?? 'guest',
  password: process.env['RABBITMQ_ADMIN_PASSWORD'] ?? 'guest',
};

export function baseOptions(address: string, token: string): BootstrapOptions {
  return {
    address,
    token,
    credentialTtl: DEFAULTS.credentialTtl,
    credentialMaxTtl: DEFAULTS.credentialMaxTtl,
    auditFilePath: 'discard',
    // Two devices as in production, neither writing into the test output.
    auditSecondPath: 'discard',
    nomadNamespace: DEFAULTS.nomadNamespace,
    workloadNamespaces: [...DEFAULT_WORKLOAD_NAMESPACES],
    pkiBaseUrl: address,
    rabbitmqVhost: DEFAULTS.rabbitmqVhost,
    ordersExchange: DEFAULTS.ordersExchange,
    ordersQueue: DEFAULTS.ordersQueue,
    redisKeyPrefix: DEFAULTS.redisKeyPrefix,
  };
}
