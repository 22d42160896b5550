import pg from 'pg';
import { VaultError } from '../../core/types.js';
import { formatExpiration, generatePassword, postgresUsername } from './credentials.js';
import type { DatabasePlugin, PluginFactory } from './plugin.js';
import { boolField, stringField } from './plugin.js';
import { renderTemplate, splitSql } from './statements.js';

const DEFAULT_RENEW = `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`;
const DEFAULT_ROTATE_ROOT = `ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';`;

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

interface PgError {
  code?: string;
  message: string;
}

function isPgError(error: unknown): error is PgError {
  return error instanceof Error;
}

/**
 * GRANT/REVOKE on an object another session is changing fails with "tuple concurrently updated"
 * (XX000); a short retry gets through once the other transaction is done.
 */
async function withConflictRetry<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      const conflict = isPgError(error) && /tuple concurrently updated/.test(error.message);
      if (!conflict || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

/**
 * postgresql-database-plugin: a pool on the root credentials of `connection_url`
 * (`{{username}}`/`{{password}}` are filled in, URL-escaped unless `disable_escaping`).
 */
export const createPostgresPlugin: PluginFactory = (details) => {
  const urlTemplate = stringField(details, 'connection_url');
  if (urlTemplate === '') throw new VaultError(400, 'connection_url cannot be empty');
  const username = stringField(details, 'username');
  let password = stringField(details, 'password');
  const escape = !boolField(details, 'disable_escaping', false);
  const maxOpen = Number(details.max_open_connections ?? 4) || 4;
  if (urlTemplate.includes('{{username}}') && username === '') {
    throw new VaultError(400, 'username cannot be empty');
  }
  if (urlTemplate.includes('{{password}}') && password === '') {
    throw new VaultError(400, 'password cannot be empty');
  }
  let pool: pg.Pool | undefined;
  let revokeQueue: Promise<void> = Promise.resolve();

  const connectionString = () =>
    renderTemplate(urlTemplate, {
      username: escape ? encodeURIComponent(username) : username,
      password: escape ? encodeURIComponent(password) : password,
    });

  const getPool = (): pg.Pool => {
    if (!pool) {
      pool = new pg.Pool({
        connectionString: connectionString(),
        max: maxOpen,
        connectionTimeoutMillis: 10_000,
        idleTimeoutMillis: 30_000,
      });
      // An idle root connection can be terminated by the server; the next query reconnects.
      pool.on('error', () => undefined);
    }
    return pool;
  };

  const closePool = async () => {
    const current = pool;
    pool = undefined;
    if (current) await current.end();
  };

  const inTransaction = async (statements: string[]): Promise<void> => {
    const client = await getPool().connect();
    try {
      await client.query('BEGIN');
      for (const sql of statements) await client.query(sql);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };

  const defaultRevoke = async (name: string): Promise<void> => {
    const db = getPool();
    const exists = await db.query<{ exists: boolean }>(
      'SELECT exists (SELECT rolname FROM pg_roles WHERE rolname = $1)',
      [name],
    );
    if (!exists.rows[0]?.exists) return;
    const user = quoteIdentifier(name);
    // Open sessions would keep working after the drop; end them first.
    await db.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    const schemas = await db.query<{ table_schema: string }>(
      'SELECT DISTINCT table_schema FROM information_schema.role_column_grants WHERE grantee = $1',
      [name],
    );
    const database = await db.query<{ current_database: string }>('SELECT current_database()');
    const revokes = [
      ...schemas.rows.flatMap((r) => [
        `REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${quoteIdentifier(r.table_schema)} FROM ${user}`,
        `REVOKE USAGE ON SCHEMA ${quoteIdentifier(r.table_schema)} FROM ${user}`,
      ]),
      `REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM ${user}`,
      `REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM ${user}`,
      `REVOKE USAGE ON SCHEMA public FROM ${user}`,
      `REVOKE CONNECT ON DATABASE ${quoteIdentifier(database.rows[0]?.current_database ?? 'postgres')} FROM ${user}`,
    ];
    const failures: string[] = [];
    for (const sql of revokes) {
      await withConflictRetry(() => db.query(sql)).catch((e: unknown) =>
        failures.push(isPgError(e) ? e.message : 'error'),
      );
    }
    if (failures.length > 0) throw new Error(`revoking privileges failed: ${failures.join('; ')}`);
    try {
      await withConflictRetry(() => db.query(`DROP ROLE IF EXISTS ${user}`));
    } catch (error) {
      // 2BP01: the role still owns objects or holds other grants in this database.
      if (!isPgError(error) || error.code !== '2BP01') throw error;
      await withConflictRetry(() =>
        inTransaction([
          `REASSIGN OWNED BY ${user} TO CURRENT_USER`,
          `DROP OWNED BY ${user}`,
          `DROP ROLE IF EXISTS ${user}`,
        ]),
      );
    }
  };

  const plugin: DatabasePlugin = {
    async verify() {
      await getPool().query('SELECT 1');
    },

    async newUser(req) {
      const statements = splitSql(req.statements);
      if (statements.length === 0) throw new VaultError(500, 'empty creation statements');
      const name = postgresUsername(req);
      const values = {
        name,
        username: name,
        password: req.password,
        expiration: formatExpiration(req.expiration),
      };
      await inTransaction(statements.map((s) => renderTemplate(s, values)));
      return name;
    },

    async renewUser(name, expiration, statements) {
      const sql = splitSql(statements.length > 0 ? statements : [DEFAULT_RENEW]);
      const values = { name, username: name, expiration: formatExpiration(expiration) };
      await inTransaction(sql.map((s) => renderTemplate(s, values)));
    },

    revokeUser(name, statements) {
      const run = async () => {
        const sql = splitSql(statements);
        if (sql.length === 0) {
          await defaultRevoke(name);
        } else {
          const rendered = sql.map((s) => renderTemplate(s, { name, username: name }));
          await withConflictRetry(() => inTransaction(rendered));
        }
      };
      // Concurrent GRANT/REVOKE on the same schema fail with "tuple concurrently updated":
      // revocations through one config run one at a time.
      const next = revokeQueue.then(run, run);
      revokeQueue = next.catch(() => undefined);
      return next;
    },

    async rotateRoot(statements) {
      if (username === '') {
        throw new VaultError(400, 'username is required to rotate root credentials');
      }
      const newPassword = generatePassword();
      const sql = splitSql(statements.length > 0 ? statements : [DEFAULT_ROTATE_ROOT]);
      await inTransaction(sql.map((s) => renderTemplate(s, { username, password: newPassword })));
      password = newPassword;
      await closePool();
      return newPassword;
    },

    close: closePool,
  };
  return plugin;
};
