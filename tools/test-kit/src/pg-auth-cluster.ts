import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { uniqueName } from './names.js';

// From tools/test-kit/dist (or src): the repository's own script, so a fresh clone creates it.
const SCRIPT = fileURLToPath(new URL('../../../scripts/pg-auth-cluster.sh', import.meta.url));

/** The password-checking PostgreSQL cluster (the machine's 5432 trusts every local login). */
export interface PgAuthCluster {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/**
 * Starts the cluster if it is down (scripts/pg-auth-cluster.sh is idempotent and locked) and
 * returns its admin login: Vault-issued users need a server that checks passwords.
 */
export function pgAuthCluster(): PgAuthCluster {
  const out = execFileSync(SCRIPT, { encoding: 'utf8' });
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
    database: vars.get('PG_AUTH_DATABASE') ?? 'postgres',
  };
}

export interface ScratchDatabase {
  name: string;
  /** A connection URL with the cluster's admin login. */
  url: string;
  drop(): Promise<void>;
}

/** A database of the test's own on the password-checking cluster; `drop()` removes it. */
export async function scratchDatabase(
  prefix = 'scratch',
  cluster: PgAuthCluster = pgAuthCluster(),
): Promise<ScratchDatabase> {
  const name = uniqueName(prefix, '_');
  const admin = async (sql: string) => {
    const client = new pg.Client({ ...cluster, database: 'postgres' });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const auth = `${encodeURIComponent(cluster.user)}:${encodeURIComponent(cluster.password)}`;
  return {
    name,
    url: `postgresql://${auth}@${cluster.host}:${cluster.port}/${name}?sslmode=disable`,
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
