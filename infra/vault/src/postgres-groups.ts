import pg from 'pg';
import { BootstrapError } from './bootstrap-error.js';
import type { PostgresTarget } from './bootstrap-options.js';
import { POSTGRES_GROUPS } from './engine-settings.js';

const DUPLICATE_OBJECT = '42710';
const UNIQUE_VIOLATION = '23505';
/** "tuple concurrently updated": two GRANTs on the same catalog row at once. */
const CONCURRENT_UPDATE = 'XX000';

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * What the worker writes, table by table: the statements in packages/domain/src/data-access
 * (`insertOrderOnce`, `insertOrdersOnce`: INSERT … ON CONFLICT DO NOTHING RETURNING, which needs
 * SELECT as well) and the e-mail rewrap (`rewrapEmails`: UPDATE of customer_email only). Nothing
 * else: the catalog, the migrations table and the stored rows stay read-only to it.
 */
export const WORKER_WRITES = [
  { table: 'orders', privilege: 'INSERT' },
  { table: 'orders', privilege: 'UPDATE (customer_email)' },
  { table: 'order_items', privilege: 'INSERT' },
] as const;

/**
 * The group roles Vault's dynamic users join, and their privileges in the database: both may
 * read every table (default privileges cover tables later migrations add); flowstack_readwrite
 * may also write exactly {@link WORKER_WRITES}. Privileges an earlier version granted (INSERT and
 * UPDATE on every table) are revoked first, so running the bootstrap again narrows an existing
 * database. The migrations run as the admin identity, before the bootstrap. Returns true when a
 * group role was created.
 */
export async function ensurePostgresGroups(target: PostgresTarget): Promise<boolean> {
  const client = new pg.Client({ connectionString: target.url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new BootstrapError('PostgreSQL: cannot connect with --postgres-url', undefined, {
      cause: error,
    });
  }
  try {
    let created = false;
    for (const group of Object.values(POSTGRES_GROUPS)) {
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [group]);
      if (exists.rowCount !== 0) continue;
      try {
        await client.query(`CREATE ROLE ${ident(group)} NOLOGIN`);
        created = true;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== DUPLICATE_OBJECT && code !== UNIQUE_VIOLATION) throw error;
      }
    }
    const db = ident(client.database ?? 'postgres');
    const ro = ident(POSTGRES_GROUPS.api);
    const rw = ident(POSTGRES_GROUPS.worker);
    // Table grants need the tables: on a database not migrated yet the group gets no write
    // until the bootstrap runs again after the migrations (the dev stack and the tests migrate
    // first).
    const existing = await client.query<{ table: string }>(
      `SELECT t AS table FROM unnest($1::text[]) AS t WHERE to_regclass('public.' || t) IS NOT NULL`,
      [[...new Set(WORKER_WRITES.map((write) => write.table))]],
    );
    const present = new Set(existing.rows.map((row) => row.table));
    const statements = [
      `GRANT CONNECT ON DATABASE ${db} TO ${ro}, ${rw}`,
      `GRANT USAGE ON SCHEMA public TO ${ro}`,
      `GRANT USAGE ON SCHEMA public TO ${rw}`,
      `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public FROM ${ro}, ${rw}`,
      `REVOKE USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public FROM ${rw}`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE INSERT, UPDATE ON TABLES FROM ${rw}`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM ${rw}`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${ro}, ${rw}`,
      ...WORKER_WRITES.filter(({ table }) => present.has(table)).map(
        ({ table, privilege }) => `GRANT ${privilege} ON TABLE ${ident(table)} TO ${rw}`,
      ),
      // Tables the admin (the migrations) creates later: readable, never writable by default.
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${ro}, ${rw}`,
    ];
    for (const sql of statements) await withRetry(() => client.query(sql));
    return created;
  } catch (error) {
    if (error instanceof BootstrapError) throw error;
    throw new BootstrapError(
      `PostgreSQL: preparing the group roles failed (${(error as Error).message})`,
      undefined,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function withRetry<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if ((error as { code?: string }).code !== CONCURRENT_UPDATE || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}
