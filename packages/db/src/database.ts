import type { Credentials, CredentialSource } from '@flowstack/credentials';
import type { Logger } from '@flowstack/observability';
import pg, { type PoolClient, type QueryResultRow } from 'pg';
import { toClientConfig, type ServerAddress } from './connection-options.js';
import { DatabaseUnavailableError, toDatabaseError } from './database-errors.js';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<R>>;
}

export interface Database extends Queryable {
  /** BEGIN, work, COMMIT; ROLLBACK on throw; client released in finally. */
  withTransaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** SELECT 1, for readiness. */
  ping(): Promise<void>;
  /** Credential generation of the pool new work goes to. */
  readonly generation: number;
  /** Ends every pool once the work already running on it has finished. */
  close(): Promise<void>;
}

export interface DatabaseOptions extends ServerAddress {
  credentials: CredentialSource;
  poolMax?: number;
  statementTimeoutMs?: number;
  connectionTimeoutMs?: number;
  idleTimeoutMs?: number;
  applicationName?: string;
  logger: Logger;
}

/**
 * One pool per credential generation. Work is counted per pool, and a retired pool is ended only
 * when nothing runs or waits on it: pg-pool never serves its waiting queue once end() is called.
 */
interface PoolGeneration {
  readonly pool: pg.Pool;
  readonly generation: number;
  inFlight: number;
  retired: boolean;
  readonly ended: Promise<void>;
  end: () => void;
}

export function createDatabase(options: DatabaseOptions): Promise<Database> {
  return options.credentials.current().then((first) => openDatabase(options, first));
}

function openDatabase(options: DatabaseOptions, first: Credentials): Database {
  const log = options.logger.child({ component: 'db', database: options.database });
  const generations = new Set<PoolGeneration>();
  let closed = false;

  function buildGeneration(credentials: Credentials): PoolGeneration {
    const pool = new pg.Pool({
      ...toClientConfig(options, credentials, options),
      max: options.poolMax ?? 10,
      idleTimeoutMillis: options.idleTimeoutMs ?? 10_000,
    });
    const { generation } = credentials;
    // Idle clients fail when the server restarts or terminates them; pg-pool drops them itself.
    pool.on('error', (error) => {
      log.warn({ generation, err: error }, 'idle database connection failed');
    });
    let endResolve: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      endResolve = resolve;
    });
    let ending = false;
    const entry: PoolGeneration = {
      pool,
      generation,
      inFlight: 0,
      retired: false,
      ended,
      end() {
        if (ending) return;
        ending = true;
        pool.end().then(
          () => {
            generations.delete(entry);
            log.info({ generation }, 'database pool ended');
            endResolve();
          },
          (error: unknown) => {
            generations.delete(entry);
            log.warn({ generation, err: error }, 'database pool did not end cleanly');
            endResolve();
          },
        );
      },
    };
    generations.add(entry);
    return entry;
  }

  function retire(entry: PoolGeneration): void {
    entry.retired = true;
    if (entry.inFlight === 0) entry.end();
  }

  let active = buildGeneration(first);

  async function use<T>(work: (pool: pg.Pool) => Promise<T>): Promise<T> {
    if (closed) {
      throw new DatabaseUnavailableError(new Error('the database client is closed'));
    }
    const entry = active;
    entry.inFlight += 1;
    try {
      return await work(entry.pool);
    } finally {
      entry.inFlight -= 1;
      if (entry.retired && entry.inFlight === 0) entry.end();
    }
  }

  async function rotate(next: Credentials): Promise<void> {
    if (closed || next.generation <= active.generation) return;
    const candidate = buildGeneration(next);
    try {
      // Open one connection before switching, so new requests do not pay for the handshake.
      await candidate.pool.query('SELECT 1');
    } catch (error) {
      log.warn(
        { generation: next.generation, err: toDatabaseError(error) },
        'new database credentials could not connect yet; switching to them anyway',
      );
    }
    if (closed || next.generation <= active.generation) {
      retire(candidate);
      return;
    }
    const previous = active;
    active = candidate;
    log.info(
      {
        previousGeneration: previous.generation,
        generation: next.generation,
        username: next.username,
        inFlightOnPrevious: previous.inFlight,
      },
      'database credentials rotated; new work uses the new pool, the old one drains',
    );
    retire(previous);
  }

  const unsubscribe = options.credentials.onRotate(rotate);

  async function runQuery<R extends QueryResultRow>(
    client: pg.Pool | PoolClient,
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<R>> {
    try {
      const result = await client.query<R>(text, values);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw toDatabaseError(error);
    }
  }

  return {
    get generation() {
      return active.generation;
    },

    query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]) {
      return use((pool) => runQuery<R>(pool, text, values));
    },

    withTransaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      return use(async (pool) => {
        let client: PoolClient;
        try {
          client = await pool.connect();
        } catch (error) {
          throw toDatabaseError(error);
        }
        // A checked-out client has no pool listener: without this, a server restart between two
        // statements of the transaction would be an unhandled 'error' event.
        const onClientError = (error: Error) => {
          log.warn({ err: error }, 'database connection failed during a transaction');
        };
        client.on('error', onClientError);
        let broken: Error | undefined;
        try {
          await runQuery(client, 'BEGIN');
          const result = await work({
            query: <R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]) =>
              runQuery<R>(client, text, values),
          });
          await runQuery(client, 'COMMIT');
          return result;
        } catch (error) {
          try {
            await client.query('ROLLBACK');
          } catch (rollbackError) {
            broken = rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK failed');
          }
          throw error;
        } finally {
          client.removeListener('error', onClientError);
          // Releasing with an error destroys the client instead of pooling a broken connection.
          client.release(broken);
        }
      });
    },

    async ping() {
      await use((pool) => runQuery(pool, 'SELECT 1'));
    },

    async close() {
      if (!closed) {
        closed = true;
        unsubscribe();
        for (const entry of generations) retire(entry);
      }
      await Promise.all([...generations].map((entry) => entry.ended));
    },
  };
}
