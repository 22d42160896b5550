import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { closedPort, uniqueName } from '@flowstack/test-kit';
import { postgresCredentials, SERVER } from '../test/support.js';
import { ensureDatabaseExists } from './ensure-database.js';

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ ...SERVER, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return (rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ ...SERVER, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

describe('ensureDatabaseExists', () => {
  it('when the database is missing, then it creates it once and reports that', async () => {
    const database = uniqueName('flowstack_ensure', '_');
    const options = { ...SERVER, database, credentials: postgresCredentials() };
    try {
      expect(await ensureDatabaseExists(options)).toBe(true);
      expect(await databaseExists(database)).toBe(true);
      expect(await ensureDatabaseExists(options)).toBe(false);
    } finally {
      await dropDatabase(database);
    }
  });

  it('when two processes ensure it at once, then exactly one creates it and neither fails', async () => {
    const database = uniqueName('flowstack_race', '_');
    const options = { ...SERVER, database, credentials: postgresCredentials() };
    try {
      const results = await Promise.all([
        ensureDatabaseExists(options),
        ensureDatabaseExists(options),
        ensureDatabaseExists(options),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await databaseExists(database)).toBe(true);
    } finally {
      await dropDatabase(database);
    }
  });

  it('when PostgreSQL cannot be reached, then it fails with a 503 AppError', async () => {
    await expect(
      ensureDatabaseExists({
        host: '127.0.0.1',
        port: await closedPort(),
        database: 'anything',
        credentials: postgresCredentials(),
      }),
    ).rejects.toMatchObject({ status: 503, code: 'database-unavailable' });
  });
});
