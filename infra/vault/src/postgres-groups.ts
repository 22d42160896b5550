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
 * The group roles Vault's dynamic users join, and their privileges in the database:
 * flowstack_readonly may read every table, flowstack_readwrite may also insert and update.
 * Default privileges cover tables that migrations create later. Returns true when a group role
 * was created (GRANTs that already hold change nothing).
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
    const statements = [
      `GRANT CONNECT ON DATABASE ${db} TO ${ro}, ${rw}`,
      `GRANT USAGE ON SCHEMA public TO ${ro}`,
      `GRANT USAGE ON SCHEMA public TO ${rw}`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${ro}`,
      `GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO ${rw}`,
      `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${rw}`,
      // Tables the admin (the migrations) creates later.
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${ro}`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE ON TABLES TO ${rw}`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${rw}`,
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
