import type { CredentialSource } from '@flowstack/credentials';
import pg from 'pg';
import { toClientConfig, type ServerAddress } from './connection-options.js';
import { errorCode, toDatabaseError } from './database-errors.js';

export interface EnsureDatabaseOptions extends ServerAddress {
  credentials: CredentialSource;
  /** Database to connect to while creating `database`; `postgres` by default. */
  maintenanceDatabase?: string;
}

/**
 * Losing a CREATE DATABASE race shows up as duplicate_database (42P04) or, when both commands
 * reach the catalog together, as a unique violation on pg_database_datname_index (23505).
 */
const LOST_CREATE_RACE = new Set(['42P04', '23505']);

/** Creates `database` when it does not exist. Returns whether this call created it. */
export async function ensureDatabaseExists(options: EnsureDatabaseOptions): Promise<boolean> {
  const credentials = await options.credentials.current();
  const client = new pg.Client(
    toClientConfig(
      { ...options, database: options.maintenanceDatabase ?? 'postgres' },
      credentials,
    ),
  );
  // The error is also raised by the pending query or connect; this keeps it from being unhandled.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      options.database,
    ]);
    if ((existing.rowCount ?? 0) > 0) return false;
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(options.database)}`);
    return true;
  } catch (error) {
    // Two processes starting together both saw it missing; the other one created it.
    const code = errorCode(error);
    if (code !== undefined && LOST_CREATE_RACE.has(code)) return false;
    throw toDatabaseError(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
