import { createStaticCredentialSource } from '@flowstack/credentials';
import { ensureDatabaseExists } from '../src/ensure-database.js';

export const SERVER = { host: '127.0.0.1', port: 5432 } as const;
export const TEST_DATABASE = 'flowstack_db_test';

export const postgresCredentials = () =>
  createStaticCredentialSource({ username: 'postgres', password: 'not-checked-by-trust-auth' });

let testDatabaseReady: Promise<boolean> | undefined;

export function ensureTestDatabase(): Promise<boolean> {
  testDatabaseReady ??= ensureDatabaseExists({
    ...SERVER,
    database: TEST_DATABASE,
    credentials: postgresCredentials(),
  });
  return testDatabaseReady;
}
