import { createStaticCredentialSource } from '@flowstack/credentials';
import { createDatabase, type Database } from '@flowstack/db';
import { createLogger } from '@flowstack/observability';
import { distributionOf, type Distribution } from './percentiles.js';

/** When an order was accepted (api clock) and stored (database clock), in epoch ms. */
export interface OrderTimes {
  acceptedAt: number;
  storedAt: number;
}

/** Looks up which of the given orders are stored. */
export interface CompletionSource {
  readonly kind: 'database' | 'api';
  lookup(ids: readonly string[]): Promise<Map<string, OrderTimes>>;
  close(): Promise<void>;
}

export interface CompletionReport {
  accepted: number;
  stored: number;
  /** Accepted orders not stored when the wait ended. */
  missing: number;
  source: 'database' | 'api';
  /** From accepted_at (api) to stored_at (worker's transaction), per stored order. */
  endToEndMs: Distribution;
  /** How long after the load the last order took to appear. */
  waitedMs: number;
}

export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
}

const CHUNK = 5_000;

/** Orders of flowstack (`orders`) or of the naive baseline (`bench_naive_orders`). */
export async function databaseCompletionSource(
  target: PostgresTarget,
  table: 'orders' | 'bench_naive_orders' = 'orders',
): Promise<CompletionSource> {
  const db: Database = await createDatabase({
    host: target.host,
    port: target.port,
    database: target.database,
    credentials: createStaticCredentialSource({
      username: target.user,
      ...(target.password === undefined ? {} : { password: target.password }),
    }),
    poolMax: 2,
    logger: createLogger({ service: 'loadtest', level: 'warn' }),
  });
  return {
    kind: 'database',
    async lookup(ids) {
      const found = new Map<string, OrderTimes>();
      for (let start = 0; start < ids.length; start += CHUNK) {
        const { rows } = await db.query<{ id: string; accepted_at: Date; stored_at: Date }>(
          `SELECT id, accepted_at, stored_at FROM ${table} WHERE id = ANY($1::uuid[])`,
          [ids.slice(start, start + CHUNK)],
        );
        for (const row of rows) {
          found.set(row.id, {
            acceptedAt: row.accepted_at.getTime(),
            storedAt: row.stored_at.getTime(),
          });
        }
      }
      return found;
    },
    close: () => db.close(),
  };
}

/** Any target: GET /v1/orders/:id answers `stored` with acceptedAt and storedAt. */
export function apiCompletionSource(baseUrl: string, concurrency = 16): CompletionSource {
  return {
    kind: 'api',
    async lookup(ids) {
      const found = new Map<string, OrderTimes>();
      let next = 0;
      const worker = async () => {
        while (next < ids.length) {
          const id = ids[next]!;
          next += 1;
          const response = await fetch(new URL(`/v1/orders/${id}`, baseUrl));
          if (!response.ok) {
            await response.body?.cancel();
            continue;
          }
          const order = (await response.json()) as {
            status?: unknown;
            acceptedAt?: unknown;
            storedAt?: unknown;
          };
          if (
            order.status === 'stored' &&
            typeof order.acceptedAt === 'string' &&
            typeof order.storedAt === 'string'
          ) {
            found.set(id, {
              acceptedAt: Date.parse(order.acceptedAt),
              storedAt: Date.parse(order.storedAt),
            });
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      return found;
    },
    close: () => Promise.resolve(),
  };
}

/**
 * Polls until every accepted order is stored, or until nothing new appeared for `idleTimeoutMs`,
 * or `timeoutMs` passed. Never loops unbounded.
 */
export async function waitForCompletion(
  source: CompletionSource,
  ids: readonly string[],
  options: { timeoutMs?: number; idleTimeoutMs?: number; pollMs?: number } = {},
): Promise<CompletionReport> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 15_000;
  const pollMs = options.pollMs ?? 250;
  const started = Date.now();
  let lastProgress = started;
  const times = new Map<string, OrderTimes>();
  let remaining = [...new Set(ids)];
  while (remaining.length > 0) {
    const found = await source.lookup(remaining);
    if (found.size > 0) {
      lastProgress = Date.now();
      for (const [id, value] of found) times.set(id, value);
      remaining = remaining.filter((id) => !found.has(id));
    }
    const now = Date.now();
    if (remaining.length === 0 || now - started > timeoutMs || now - lastProgress > idleTimeoutMs) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const unique = new Set(ids).size;
  return {
    accepted: unique,
    stored: times.size,
    missing: unique - times.size,
    source: source.kind,
    endToEndMs: distributionOf(
      [...times.values()].map((t) => Math.max(0, t.storedAt - t.acceptedAt)),
    ),
    waitedMs: Date.now() - started,
  };
}
