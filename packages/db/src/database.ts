import {
  sameAddress,
  type AddressSource,
  type Credentials,
  type CredentialSource,
  type ServiceAddress,
  type TlsPeer,
} from '@flowstack/credentials';
import type { Logger } from '@flowstack/observability';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import pg, { type PoolClient, type QueryResultRow } from 'pg';
import { toClientConfig, type ServerAddress } from './connection-options.js';
import { DatabaseUnavailableError, loggableError, toDatabaseError } from './database-errors.js';

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
  /**
   * Set when the server can move (discovered through Consul): its current address wins over
   * host/port, and on each move new work goes to a pool at the new address while the old pool
   * drains, exactly as on a credential rotation.
   */
  address?: AddressSource;
  poolMax?: number;
  statementTimeoutMs?: number;
  connectionTimeoutMs?: number;
  idleTimeoutMs?: number;
  applicationName?: string;
  /** Verify-full TLS to the server (see TlsPeer); plain TCP when absent. */
  tls?: TlsPeer;
  logger: Logger;
}

/**
 * One pool per credential generation. Work is counted per pool, and a retired pool is ended only
 * when nothing runs or waits on it: pg-pool never serves its waiting queue once end() is called.
 */
interface PoolGeneration {
  readonly pool: pg.Pool;
  readonly generation: number;
  readonly credentials: Credentials;
  readonly address: ServiceAddress;
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

  function buildGeneration(credentials: Credentials, address: ServiceAddress): PoolGeneration {
    const pool = new pg.Pool({
      ...toClientConfig({ ...address, database: options.database }, credentials, options),
      max: options.poolMax ?? 10,
      idleTimeoutMillis: options.idleTimeoutMs ?? 10_000,
    });
    const { generation } = credentials;
    // Idle clients fail when the server restarts or terminates them; pg-pool drops them itself.
    pool.on('error', (error) => {
      log.warn({ generation, err: loggableError(error) }, 'idle database connection failed');
    });
    let endResolve: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      endResolve = resolve;
    });
    let ending = false;
    const entry: PoolGeneration = {
      pool,
      generation,
      credentials,
      address,
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
            log.warn(
              { generation, err: loggableError(error) },
              'database pool did not end cleanly',
            );
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

  let wantedCredentials = first;
  let wantedAddress: ServiceAddress = options.address?.current() ?? {
    host: options.host,
    port: options.port,
  };
  let active = buildGeneration(first, wantedAddress);
  let switching: Promise<void> = Promise.resolve();

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

  /**
   * Rotations and moves are serialized; each switch opens a pool with the newest credentials at
   * the newest address, so neither can undo the other.
   */
  function reconcile(): Promise<void> {
    const run = switching.then(() => switchPool());
    switching = run.catch(() => undefined);
    return run;
  }

  async function switchPool(): Promise<void> {
    const credentials = wantedCredentials;
    const address = wantedAddress;
    if (
      closed ||
      (credentials.generation === active.generation && sameAddress(address, active.address))
    ) {
      return;
    }
    const candidate = buildGeneration(credentials, address);
    try {
      // Open one connection before switching, so new requests do not pay for the handshake.
      await candidate.pool.query('SELECT 1');
    } catch (error) {
      log.warn(
        { generation: credentials.generation, err: loggableError(toDatabaseError(error)) },
        'the new database pool could not connect yet; switching to it anyway',
      );
    }
    if (closed) {
      retire(candidate);
      return;
    }
    const previous = active;
    active = candidate;
    const fields = {
      previousGeneration: previous.generation,
      generation: credentials.generation,
      inFlightOnPrevious: previous.inFlight,
    };
    if (credentials.generation !== previous.generation) {
      log.info(
        { ...fields, username: credentials.username },
        'database credentials rotated; new work uses the new pool, the old one drains',
      );
    }
    if (!sameAddress(address, previous.address)) {
      log.info(
        { ...fields, from: previous.address, to: address },
        'database moved; new work uses a pool at the new address, the old one drains',
      );
    }
    retire(previous);
  }

  async function rotate(next: Credentials): Promise<void> {
    if (closed || next.generation <= wantedCredentials.generation) return;
    wantedCredentials = next;
    await reconcile();
  }

  async function move(next: ServiceAddress): Promise<void> {
    if (closed || sameAddress(next, wantedAddress)) return;
    wantedAddress = { host: next.host, port: next.port };
    await reconcile();
  }

  const unsubscribeRotate = options.credentials.onRotate(rotate);
  const unsubscribeMove = options.address?.onMove(move) ?? (() => undefined);
  // A move between reading the address above and subscribing is caught up here.
  if (options.address !== undefined) void move(options.address.current());

  async function runQuery<R extends QueryResultRow>(
    client: pg.Pool | PoolClient,
    text: string,
    values?: unknown[],
  ): Promise<QueryResult<R>> {
    // One client span per statement; the SQL text carries placeholders, never the values.
    return tracer.startActiveSpan(
      spanNameOf(text),
      {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': 'postgresql', 'db.query.text': text },
      },
      async (span) => {
        try {
          const result = await client.query<R>(text, values);
          return { rows: result.rows, rowCount: result.rowCount ?? 0 };
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw toDatabaseError(error);
        } finally {
          span.end();
        }
      },
    );
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
          log.warn(
            { err: loggableError(error) },
            'database connection failed during a transaction',
          );
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
        unsubscribeRotate();
        unsubscribeMove();
        for (const entry of generations) retire(entry);
      }
      await Promise.all([...generations].map((entry) => entry.ended));
    },
  };
}

const tracer = trace.getTracer('@flowstack/db');

/**
 * "INSERT", "SELECT", ...: the statement's verb, which is low-cardinality. A `WITH` statement is
 * named for the first write among its parts (a CTE that inserts is an INSERT), else SELECT.
 */
function spanNameOf(text: string): string {
  const keyword = /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase();
  if (keyword !== 'WITH') return keyword ?? 'query';
  return /\b(INSERT|UPDATE|DELETE|MERGE)\b/i.exec(text)?.[1]?.toUpperCase() ?? 'SELECT';
}
