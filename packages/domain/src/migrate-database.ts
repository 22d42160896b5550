import type { CredentialSource } from '@flowstack/credentials';
import { createDatabase, ensureDatabaseExists, runMigrations } from '@flowstack/db';
import type { Logger } from '@flowstack/observability';
import { seedCatalog } from './data-access/catalog-seed.js';
import { MIGRATIONS_DIR } from './migrations-dir.js';

export interface MigrateOptions {
  host: string;
  port: number;
  database: string;
  credentials: CredentialSource;
  logger: Logger;
  /** Create the database first when it does not exist (local stack, tests). */
  createDatabase?: boolean;
  /** Upsert the sample catalog after migrating (local stack). */
  seed?: boolean;
}

/** Brings a database to the current schema; safe to run from several processes at once. */
export async function migrateDatabase(
  options: MigrateOptions,
): Promise<{ applied: string[]; seeded: number }> {
  const connection = {
    host: options.host,
    port: options.port,
    database: options.database,
    credentials: options.credentials,
  };
  if (options.createDatabase === true) await ensureDatabaseExists(connection);
  const applied = await runMigrations({
    ...connection,
    dir: MIGRATIONS_DIR,
    logger: options.logger,
  });
  let seeded = 0;
  if (options.seed === true) {
    const db = await createDatabase({ ...connection, logger: options.logger, poolMax: 1 });
    try {
      seeded = await seedCatalog(db);
    } finally {
      await db.close();
    }
  }
  return { applied, seeded };
}
