import type { CredentialSource } from '@flowstack/credentials';
import type { Logger } from '@flowstack/observability';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { toClientConfig, type ServerAddress } from './connection-options.js';
import { loggableError, toDatabaseError } from './database-errors.js';

export interface MigrationOptions extends ServerAddress {
  credentials: CredentialSource;
  /** Directory of migration files (`.sql` with `-- Up Migration` / `-- Down Migration`, or JS). */
  dir: string;
  logger: Logger;
  /** Table recording applied migrations; `pgmigrations` by default. */
  migrationsTable?: string;
}

/**
 * Applies every pending migration (direction up) in one transaction and returns their names.
 * Holds node-pg-migrate's advisory lock and waits for it, so processes migrating the same
 * database at once run one after the other and the later ones find nothing left to do.
 */
export async function runMigrations(options: MigrationOptions): Promise<string[]> {
  const log = options.logger.child({ component: 'db-migrations', database: options.database });
  const credentials = await options.credentials.current();
  const client = new pg.Client(toClientConfig(options, credentials));
  client.on('error', (error) => {
    log.warn({ err: loggableError(error) }, 'migration connection failed');
  });
  try {
    await client.connect();
  } catch (error) {
    throw toDatabaseError(error);
  }
  try {
    const applied = await runner({
      dbClient: client,
      dir: options.dir,
      direction: 'up',
      migrationsTable: options.migrationsTable ?? 'pgmigrations',
      singleTransaction: true,
      checkOrder: true,
      noLock: false,
      advisoryLockMode: 'wait',
      logger: {
        debug: (message) => log.debug(message),
        info: (message) => log.info(message),
        warn: (message) => log.warn(message),
        error: (message) => log.error(message),
      },
    });
    const names = applied.map((migration) => migration.name);
    log.info({ applied: names }, `applied ${names.length} migration(s)`);
    return names;
  } catch (error) {
    throw toDatabaseError(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
