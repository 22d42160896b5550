import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startVaultDouble } from '@flowstack/vault-double';
import pg from 'pg';

const PG_AUTH_SCRIPT = fileURLToPath(
  new URL('../../../scripts/pg-auth-cluster.sh', import.meta.url),
);

export interface PgAuthCluster {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** The password-checking PostgreSQL on 5433 (scripts/pg-auth-cluster.sh starts it if down). */
export function pgAuthCluster(): PgAuthCluster {
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

export async function createScratchDatabase(cluster: PgAuthCluster): Promise<string> {
  const name = `lp_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ ...cluster, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return name;
}

export async function dropScratchDatabase(cluster: PgAuthCluster, name: string): Promise<void> {
  const admin = new pg.Client({ ...cluster, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export interface VaultReply {
  status: number;
  body: { data?: Record<string, unknown>; auth?: Record<string, unknown>; errors?: string[] };
}

export interface VaultUnderTest {
  address: string;
  rootToken: string;
  isDouble: boolean;
  /** One HTTP call under /v1 with the given token (null: none). */
  call(token: string | null, method: string, path: string, body?: unknown): Promise<VaultReply>;
  stop(): Promise<void>;
}

/** The Vault double by default; the server in VAULT_ADDR with VAULT_TOKEN when set. */
export async function openVaultUnderTest(): Promise<VaultUnderTest> {
  let address = process.env['VAULT_ADDR'];
  let rootToken = process.env['VAULT_TOKEN'] ?? '';
  let stop = (): Promise<void> => Promise.resolve();
  if (address) {
    if (rootToken === '') throw new Error('VAULT_ADDR is set but VAULT_TOKEN is not');
  } else {
    const double = await startVaultDouble({ port: 0 });
    address = double.url;
    rootToken = double.rootToken;
    stop = () => double.stop();
  }
  const base = address.replace(/\/+$/, '');
  return {
    address: base,
    rootToken,
    isDouble: !process.env['VAULT_ADDR'],
    async call(token, method, path, body) {
      const response = await fetch(`${base}/v1/${path}`, {
        method,
        headers: {
          ...(token === null ? {} : { 'X-Vault-Token': token }),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: (text === '' ? {} : JSON.parse(text)) as VaultReply['body'],
      };
    },
    stop,
  };
}
