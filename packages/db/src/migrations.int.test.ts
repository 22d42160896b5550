import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '@flowstack/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, closedPort, uniqueName } from '@flowstack/test-kit';
import { ensureTestDatabase, postgresCredentials, SERVER, TEST_DATABASE } from '../test/support.js';
import { createDatabase, type Database } from './database.js';
import { runMigrations } from './migrations.js';

let db: Database;

beforeAll(async () => {
  await ensureTestDatabase();
  db = await createDatabase({
    ...SERVER,
    database: TEST_DATABASE,
    credentials: postgresCredentials(),
    logger: captureLogger('db-test').logger,
  });
});

afterAll(async () => {
  await db.close();
});

/** A directory of SQL migrations whose tables have names unique to this test. */
async function migrationDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flowstack-migrations-'));
  await Promise.all(
    Object.entries(files).map(([name, sql]) => writeFile(join(dir, name), sql, 'utf8')),
  );
  return dir;
}

function sqlMigration(up: string, down: string): string {
  return `-- Up Migration\n${up}\n\n-- Down Migration\n${down}\n`;
}

async function tableExists(table: string): Promise<boolean> {
  const { rows } = await db.query<{ found: string | null }>(
    'SELECT to_regclass($1)::text AS found',
    [table],
  );
  return rows[0]?.found !== null && rows[0]?.found !== undefined;
}

function migrate(dir: string, migrationsTable: string) {
  return runMigrations({
    ...SERVER,
    database: TEST_DATABASE,
    credentials: postgresCredentials(),
    dir,
    migrationsTable,
    logger: captureLogger('db-test').logger,
  });
}

describe('runMigrations', () => {
  it('when run twice, then SQL migrations are applied once, in order, and recorded', async () => {
    const products = uniqueName('products', '_');
    const migrationsTable = uniqueName('migrations', '_');
    const dir = await migrationDir({
      '001_create-products.sql': sqlMigration(
        `CREATE TABLE ${products} (id int PRIMARY KEY);`,
        `DROP TABLE ${products};`,
      ),
      '002_add-name.sql': sqlMigration(
        `ALTER TABLE ${products} ADD COLUMN name text NOT NULL DEFAULT '';`,
        `ALTER TABLE ${products} DROP COLUMN name;`,
      ),
    });

    expect(await migrate(dir, migrationsTable)).toEqual(['001_create-products', '002_add-name']);
    expect(await migrate(dir, migrationsTable)).toEqual([]);

    await db.query(`INSERT INTO ${products} (id, name) VALUES (1, 'tea')`);
    const recorded = await db.query<{ name: string }>(
      `SELECT name FROM ${migrationsTable} ORDER BY id`,
    );
    expect(recorded.rows.map((row) => row.name)).toEqual(['001_create-products', '002_add-name']);
  });

  it('when a new file is added later, then only that one is applied', async () => {
    const table = uniqueName('later', '_');
    const migrationsTable = uniqueName('migrations', '_');
    const files: Record<string, string> = {
      '001_first.sql': sqlMigration(`CREATE TABLE ${table} (id int);`, `DROP TABLE ${table};`),
    };
    const dir = await migrationDir(files);
    expect(await migrate(dir, migrationsTable)).toEqual(['001_first']);
    await writeFile(
      join(dir, '002_second.sql'),
      sqlMigration(`ALTER TABLE ${table} ADD COLUMN note text;`, ''),
    );
    expect(await migrate(dir, migrationsTable)).toEqual(['002_second']);
  });

  it('when two processes migrate at once, then neither fails and each migration runs once', async () => {
    const table = uniqueName('concurrent', '_');
    const migrationsTable = uniqueName('migrations', '_');
    const dir = await migrationDir({
      // Slow enough that the second runner really has to wait for the advisory lock.
      '001_create.sql': sqlMigration(
        `SELECT pg_sleep(0.3); CREATE TABLE ${table} (id int PRIMARY KEY);`,
        `DROP TABLE ${table};`,
      ),
      '002_seed.sql': sqlMigration(`INSERT INTO ${table} (id) VALUES (1);`, ''),
    });

    const results = await Promise.all([
      migrate(dir, migrationsTable),
      migrate(dir, migrationsTable),
    ]);

    expect(results.flat().sort()).toEqual(['001_create', '002_seed']);
    expect(results.some((names) => names.length === 0)).toBe(true);
    const { rows } = await db.query<{ count: string }>(`SELECT count(*) FROM ${table}`);
    expect(rows[0]?.count).toBe('1');
  });

  it('when a migration fails, then the whole run is rolled back and nothing is recorded', async () => {
    const table = uniqueName('rolled_back', '_');
    const migrationsTable = uniqueName('migrations', '_');
    const dir = await migrationDir({
      '001_create.sql': sqlMigration(`CREATE TABLE ${table} (id int);`, `DROP TABLE ${table};`),
      '002_broken.sql': sqlMigration('ALTER TABLE no_such_table ADD COLUMN x int;', ''),
    });

    await expect(migrate(dir, migrationsTable)).rejects.toMatchObject({ code: '42P01' });

    expect(await tableExists(table)).toBe(false);
    const { rowCount } = await db.query(`SELECT 1 FROM ${migrationsTable}`);
    expect(rowCount).toBe(0);
  });

  it('when PostgreSQL cannot be reached, then it fails with a 503 AppError', async () => {
    const error: unknown = await runMigrations({
      host: '127.0.0.1',
      port: await closedPort(),
      database: TEST_DATABASE,
      credentials: postgresCredentials(),
      dir: await migrationDir({}),
      logger: captureLogger('db-test').logger,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 503, code: 'database-unavailable' });
  });
});
