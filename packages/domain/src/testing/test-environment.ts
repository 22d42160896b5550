import { createStaticCredentialSource } from '@flowstack/credentials';
import { createDatabase, type Database } from '@flowstack/db';
import { createLogger } from '@flowstack/observability';
import { migrateDatabase } from '../migrate-database.js';

/**
 * The environment tests run the services with: the machine's servers, a database of their own
 * (`flowstack_test`, or TEST_POSTGRES_DB), quiet logs. Any key can be overridden per test.
 */
export function testEnvironment(overrides: Record<string, string> = {}): Record<string, string> {
  const env = process.env;
  return {
    POSTGRES_HOST: env.TEST_POSTGRES_HOST ?? '127.0.0.1',
    POSTGRES_PORT: env.TEST_POSTGRES_PORT ?? '5432',
    POSTGRES_DB: env.TEST_POSTGRES_DB ?? 'flowstack_test',
    POSTGRES_USER: env.TEST_POSTGRES_USER ?? 'postgres',
    REDIS_HOST: env.TEST_REDIS_HOST ?? '127.0.0.1',
    REDIS_PORT: env.TEST_REDIS_PORT ?? '6379',
    RABBITMQ_HOST: env.TEST_RABBITMQ_HOST ?? '127.0.0.1',
    RABBITMQ_PORT: env.TEST_RABBITMQ_PORT ?? '5672',
    RABBITMQ_USER: env.TEST_RABBITMQ_USER ?? 'guest',
    RABBITMQ_PASSWORD: env.TEST_RABBITMQ_PASSWORD ?? 'guest',
    LOG_LEVEL: env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    HEALTH_PORT: '0',
    HOST: '127.0.0.1',
    ...overrides,
  };
}

/** Where the test database is, and the superuser the tests connect as. */
function testDatabaseTarget() {
  const env = testEnvironment();
  return {
    host: env.POSTGRES_HOST!,
    port: Number(env.POSTGRES_PORT),
    database: env.POSTGRES_DB!,
    credentials: createStaticCredentialSource({ username: env.POSTGRES_USER }),
  };
}

/** Creates the test database if needed and applies the production migrations (vitest globalSetup). */
export async function prepareTestDatabase(): Promise<void> {
  await migrateDatabase({
    ...testDatabaseTarget(),
    logger: createLogger({ service: 'test-setup', level: 'warn' }),
    createDatabase: true,
  });
}

/** A pool on the test database; close it in afterAll. */
export function openTestDatabase(): Promise<Database> {
  return createDatabase({
    ...testDatabaseTarget(),
    logger: createLogger({ service: 'test', level: 'silent' }),
  });
}
