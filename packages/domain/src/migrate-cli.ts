#!/usr/bin/env node
import { commonConfigSchema, ConfigError, loadConfig } from '@flowstack/config';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { createLogger } from '@flowstack/observability';
import { migrateDatabase } from './migrate-database.js';

/**
 * `flowstack-migrate [--seed] [--create-database]`: applies the migrations with the POSTGRES_*
 * settings of the environment. Run before a deploy (a Nomad prestart task) or by the local stack.
 */
const args = new Set(process.argv.slice(2));
const unknown = [...args].filter((arg) => arg !== '--seed' && arg !== '--create-database');
if (unknown.length > 0) {
  process.stderr.write(
    `flowstack-migrate: unknown option ${unknown.join(' ')}\nusage: flowstack-migrate [--seed] [--create-database]\n`,
  );
  process.exit(2);
}
let config;
try {
  config = loadConfig('migrate', commonConfigSchema);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const logger = createLogger({ service: 'migrate', level: config.LOG_LEVEL });
try {
  const result = await migrateDatabase({
    host: config.POSTGRES_HOST,
    port: config.POSTGRES_PORT,
    database: config.POSTGRES_DB,
    credentials: createStaticCredentialSource({
      username: config.POSTGRES_USER,
      password: config.POSTGRES_PASSWORD,
    }),
    logger,
    createDatabase: args.has('--create-database'),
    seed: args.has('--seed'),
  });
  logger.info(result, 'database migrated');
} catch (error) {
  logger.fatal({ err: error }, 'migration failed');
  logger.flush();
  process.stderr.write(
    `flowstack-migrate: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
