import { inspect } from 'node:util';
import {
  createManualAddressSource,
  createManualCredentialSource,
  createStaticCredentialSource,
} from '@flowstack/credentials';
import { AppError } from '@flowstack/errors';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  captureLogger,
  closedPort,
  gate,
  startTcpProxy,
  uniqueName,
  waitFor,
} from '@flowstack/test-kit';
import { ensureTestDatabase, postgresCredentials, SERVER, TEST_DATABASE } from '../test/support.js';
import { createDatabase, type Database, type DatabaseOptions } from './database.js';
import { isUniqueViolation } from './database-errors.js';

const opened: Database[] = [];

async function openDatabase(overrides: Partial<DatabaseOptions> = {}): Promise<Database> {
  const db = await createDatabase({
    ...SERVER,
    database: TEST_DATABASE,
    credentials: postgresCredentials(),
    logger: captureLogger('db-test').logger,
    ...overrides,
  });
  opened.push(db);
  return db;
}

async function createTable(db: Database): Promise<string> {
  const table = uniqueName('items', '_');
  await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, label text NOT NULL)`);
  return table;
}

beforeAll(async () => {
  await ensureTestDatabase();
});

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
});

describe('query', () => {
  it('when a statement runs, then it returns its rows and row count', async () => {
    const db = await openDatabase();
    const table = await createTable(db);
    const inserted = await db.query(
      `INSERT INTO ${table} (id, label) VALUES ($1, $2), ($3, $4) RETURNING id`,
      [1, 'one', 2, 'two'],
    );
    expect(inserted.rowCount).toBe(2);
    const { rows } = await db.query<{ id: number; label: string }>(
      `SELECT id, label FROM ${table} ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 1, label: 'one' },
      { id: 2, label: 'two' },
    ]);
  });

  it('when connections open, then they carry statement_timeout and application_name', async () => {
    const applicationName = uniqueName('db_test_app', '_');
    const db = await openDatabase({ statementTimeoutMs: 1234, applicationName });
    const { rows } = await db.query<{ timeout: string; app: string }>(
      `SELECT current_setting('statement_timeout') AS timeout,
              current_setting('application_name') AS app`,
    );
    expect(rows[0]).toEqual({ timeout: '1234ms', app: applicationName });
  });

  it('when a statement runs past statement_timeout, then the pg error passes through', async () => {
    const db = await openDatabase({ statementTimeoutMs: 100 });
    const error: unknown = await db.query('SELECT pg_sleep(2)').catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(AppError);
    expect((error as { code?: string }).code).toBe('57014');
  });

  it('when the SQL is wrong, then the pg error passes through unchanged', async () => {
    const db = await openDatabase();
    const error: unknown = await db.query('SELEC 1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(pg.DatabaseError);
    expect((error as { code?: string }).code).toBe('42601');
  });
});

describe('withTransaction', () => {
  it('when the work succeeds, then its writes are committed and its result returned', async () => {
    const db = await openDatabase();
    const table = await createTable(db);
    const result = await db.withTransaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} (id, label) VALUES (1, 'kept')`);
      const { rows } = await tx.query<{ count: string }>(`SELECT count(*) FROM ${table}`);
      return rows[0]?.count;
    });
    expect(result).toBe('1');
    const { rows } = await db.query(`SELECT label FROM ${table}`);
    expect(rows).toEqual([{ label: 'kept' }]);
  });

  it('when the work throws, then its writes are rolled back and the same error is rethrown', async () => {
    const db = await openDatabase();
    const table = await createTable(db);
    const failure = new Error('work failed');
    const error: unknown = await db
      .withTransaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} (id, label) VALUES (1, 'discarded')`);
        throw failure;
      })
      .catch((caught: unknown) => caught);
    expect(error).toBe(failure);
    const { rowCount } = await db.query(`SELECT 1 FROM ${table}`);
    expect(rowCount).toBe(0);
  });

  it('when many transactions fail, then their clients are released and later ones still run', async () => {
    const db = await openDatabase({ poolMax: 2, connectionTimeoutMs: 2_000 });
    const table = await createTable(db);
    for (let i = 0; i < 6; i += 1) {
      await expect(
        db.withTransaction(async (tx) => {
          await tx.query(`INSERT INTO ${table} (id, label) VALUES ($1, 'x')`, [i]);
          await tx.query('SELECT * FROM no_such_table');
        }),
      ).rejects.toMatchObject({ code: '42P01' });
    }
    const ids = Array.from({ length: 8 }, (_, i) => i);
    await Promise.all(
      ids.map((id) =>
        db.withTransaction((tx) =>
          tx.query(`INSERT INTO ${table} (id, label) VALUES ($1, 'ok')`, [id]),
        ),
      ),
    );
    const { rows } = await db.query<{ count: string }>(`SELECT count(*) FROM ${table}`);
    expect(rows[0]?.count).toBe('8');
  });
});

describe('isUniqueViolation', () => {
  it('when a key is inserted twice, then the error is a unique violation; other errors are not', async () => {
    const db = await openDatabase();
    const table = await createTable(db);
    await db.query(`INSERT INTO ${table} (id, label) VALUES (1, 'a')`);
    const duplicate: unknown = await db
      .query(`INSERT INTO ${table} (id, label) VALUES (1, 'b')`)
      .catch((caught: unknown) => caught);
    expect(isUniqueViolation(duplicate)).toBe(true);
    const notNull: unknown = await db
      .query(`INSERT INTO ${table} (id, label) VALUES (2, NULL)`)
      .catch((caught: unknown) => caught);
    expect(isUniqueViolation(notNull)).toBe(false);
    expect(isUniqueViolation(new Error('23505'))).toBe(false);
  });
});

describe('when PostgreSQL cannot be reached', () => {
  it('then query, transaction and ping fail fast with a 503 AppError that hides the password', async () => {
    const password = 'pw-that-must-not-leak-42';
    const { logger, lines } = captureLogger('db-test');
    const db = await openDatabase({
      host: '127.0.0.1',
      port: await closedPort(),
      credentials: createStaticCredentialSource({ username: 'someone', password }),
      connectionTimeoutMs: 2_000,
      logger,
    });
    const attempts = [
      db.query('SELECT 1'),
      db.withTransaction((tx) => tx.query('SELECT 1')),
      db.ping(),
    ];
    for (const attempt of attempts) {
      const error: unknown = await attempt.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({
        status: 503,
        code: 'database-unavailable',
        message: 'The database is unavailable.',
      });
      expect((error as AppError).cause).toMatchObject({ code: 'ECONNREFUSED' });
      expect(inspect(error, { depth: 10 })).not.toContain(password);
      expect(JSON.stringify(error)).not.toContain(password);
    }
    expect(lines.join('')).not.toContain(password);
  });

  it('when the server does not answer the connect in time, then it is a 503 too', async () => {
    // 10.255.255.1 is unroutable here: the SYN goes nowhere and pg's connect timer fires.
    const db = await openDatabase({ host: '10.255.255.1', connectionTimeoutMs: 300 });
    await expect(db.query('SELECT 1')).rejects.toMatchObject({
      status: 503,
      code: 'database-unavailable',
    });
  });
});

describe('when the server drops connections', () => {
  it('then a transaction whose backend was terminated fails with 503 and the next one works', async () => {
    const admin = await openDatabase();
    const db = await openDatabase({ poolMax: 1 });
    const error: unknown = await db
      .withTransaction(async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
        await tx.query('SELECT 1');
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 503, code: 'database-unavailable' });
    expect(await db.withTransaction(async (tx) => (await tx.query('SELECT 1')).rowCount)).toBe(1);
  });

  it('then idle connections that die are logged, not fatal, and the pool reconnects', async () => {
    const admin = await openDatabase();
    const applicationName = uniqueName('db_idle', '_');
    const { logger, lines } = captureLogger('db-test');
    const db = await openDatabase({ applicationName, logger });
    await db.ping();
    const { rowCount } = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    expect(rowCount).toBe(1);
    await waitFor(
      () => Promise.resolve(lines.some((line) => line.includes('idle database connection failed'))),
      { timeoutMs: 5_000, what: 'the pool to report the dead idle connection' },
    );
    await db.ping();
  });
});

describe('close', () => {
  it('when closing, then running work finishes first and later work is refused with 503', async () => {
    const db = await openDatabase();
    const hold = gate();
    const inTransaction = gate();
    const running = db.withTransaction(async (tx) => {
      inTransaction.open();
      await hold.opened;
      return (await tx.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one;
    });
    await inTransaction.opened;
    const closing = db.close();
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'database-unavailable' });
    hold.open();
    expect(await running).toBe(1);
    await closing;
  });
});

describe('credential rotation', () => {
  it('when credentials rotate, then new work uses the new user and work already started finishes on the old pool', async () => {
    const admin = await openDatabase();
    const role = uniqueName('rotated_role', '_');
    const rolePassword = 'rotated-pw-never-logged';
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${rolePassword}'`);
    const applicationName = uniqueName('db_rotation', '_');
    const source = createManualCredentialSource({ username: 'postgres', password: 'first-pw' });
    const { logger, lines } = captureLogger('db-test');
    const db = await createDatabase({
      ...SERVER,
      database: TEST_DATABASE,
      credentials: source,
      poolMax: 1,
      applicationName,
      logger,
    });
    try {
      expect(db.generation).toBe(1);
      const hold = gate();
      const inTransaction = gate();
      const beforeSwap = db.withTransaction(async (tx) => {
        const first = await tx.query<{ user: string }>('SELECT current_user AS user');
        inTransaction.open();
        await hold.opened;
        const second = await tx.query<{ user: string }>('SELECT current_user AS user');
        return [first.rows[0]?.user, second.rows[0]?.user];
      });
      await inTransaction.opened;
      // The pool's only client is held: this query waits in the old pool's queue.
      const queuedBeforeSwap = db.query<{ user: string }>('SELECT current_user AS user');

      await source.rotate({ username: role, password: rolePassword });

      expect(db.generation).toBe(2);
      const afterSwap = await db.query<{ user: string }>('SELECT current_user AS user');
      expect(afterSwap.rows[0]?.user).toBe(role);

      hold.open();
      expect(await beforeSwap).toEqual(['postgres', 'postgres']);
      expect((await queuedBeforeSwap).rows[0]?.user).toBe('postgres');

      const oldConnections = async () =>
        (
          await admin.query(
            `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND usename = 'postgres'`,
            [applicationName],
          )
        ).rowCount;
      await waitFor(async () => (await oldConnections()) === 0, {
        timeoutMs: 10_000,
        what: 'the old pool to end',
      });
      await waitFor(
        () => Promise.resolve(lines.some((line) => line.includes('database pool ended'))),
        { timeoutMs: 5_000, what: 'the old pool to log its end' },
      );
      const newConnections = await admin.query(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND usename = $2`,
        [applicationName, role],
      );
      expect(newConnections.rowCount).toBeGreaterThan(0);
      const log = lines.join('');
      expect(log).toContain('database credentials rotated');
      expect(log).not.toContain(rolePassword);
      expect(log).not.toContain('first-pw');
    } finally {
      await db.close();
      await admin.query(`DROP ROLE ${role}`);
    }
  });

  it('when the database is closed, then later rotations are ignored', async () => {
    const source = createManualCredentialSource({ username: 'postgres' });
    const db = await openDatabase({ credentials: source });
    await source.rotate({ username: 'postgres' });
    expect(db.generation).toBe(2);
    await db.close();
    await source.rotate({ username: 'postgres' });
    expect(db.generation).toBe(2);
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: 'database-unavailable' });
  });
});

describe('address moves', () => {
  it('when the address moves, then new work goes to the new address and work already started finishes', async () => {
    const proxy = await startTcpProxy(SERVER);
    const address = createManualAddressSource(SERVER);
    const { logger, lines } = captureLogger('db-test');
    const db = await openDatabase({ address, poolMax: 1, logger });
    try {
      await db.query('SELECT 1');
      expect(proxy.connections()).toBe(0);
      const hold = gate();
      const inTransaction = gate();
      const beforeMove = db.withTransaction(async (tx) => {
        await tx.query('SELECT 1');
        inTransaction.open();
        await hold.opened;
        return (await tx.query<{ n: number }>('SELECT 2 AS n')).rows[0]?.n;
      });
      await inTransaction.opened;

      await address.move({ host: '127.0.0.1', port: proxy.port });

      const afterMove = await db.query<{ n: number }>('SELECT 3 AS n');
      expect(afterMove.rows[0]?.n).toBe(3);
      expect(proxy.connections()).toBeGreaterThan(0);
      hold.open();
      expect(await beforeMove).toBe(2);
      expect(db.generation).toBe(1);
      expect(lines.join('')).toContain('database moved');
    } finally {
      await db.close();
      await proxy.close();
    }
  });
});
