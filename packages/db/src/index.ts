export {
  createDatabase,
  type Database,
  type DatabaseOptions,
  type Queryable,
  type QueryResult,
} from './database.js';
export {
  DatabaseUnavailableError,
  errorCode,
  isConnectionError,
  isUniqueViolation,
  toDatabaseError,
} from './database-errors.js';
export { runMigrations, type MigrationOptions } from './migrations.js';
export { ensureDatabaseExists, type EnsureDatabaseOptions } from './ensure-database.js';
export type { ServerAddress } from './connection-options.js';
