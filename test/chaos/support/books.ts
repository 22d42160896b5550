import type { Database } from '@flowstack/db';
import { waitFor } from '@flowstack/test-kit';
import { postOrder, type HttpOutcome, type LoadRecord } from './load.js';

export interface Books {
  /** Distinct Idempotency-Keys posted. */
  keys: number;
  posts: number;
  /** Keys answered 202 at least once. */
  accepted: number;
  /** Keys never answered 202 but answered 503 or not at all: the client must retry them. */
  ambiguous: number;
  /** Ambiguous keys whose order was stored anyway (the broker confirmed after the api gave up). */
  storedWhileAmbiguous: number;
  /** Ambiguous keys retried once the stack was back, and their answers. */
  retried: number;
  retriedAccepted: number;
  /** Orders in the drill's database. */
  stored: number;
  /** Accepted keys with no order. */
  missing: string[];
  /** Orders that no 202, 503 or unanswered POST accounts for. */
  unexpected: string[];
  /** Orders stored more than once, or with more lines than were ordered. */
  duplicates: string[];
  statuses: Record<string, number>;
  readStatuses: Record<string, number>;
  /** Answers that break the contract: a 5xx other than a 503 problem+json with Retry-After. */
  badAnswers: string[];
}

function tally(outcomes: HttpOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const label = outcome.status === undefined ? (outcome.failure ?? 'error') : `${outcome.status}`;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

/** A 503 must be problem+json with Retry-After; no other 5xx is allowed at all. */
export function contractViolation(outcome: HttpOutcome): string | undefined {
  if (outcome.status === undefined || outcome.status < 500) return undefined;
  const where = `${outcome.method} ${outcome.path} -> ${outcome.status}`;
  if (outcome.status !== 503) return `${where}: ${outcome.body.slice(0, 200)}`;
  if (!outcome.contentType?.startsWith('application/problem+json')) {
    return `${where} without problem+json`;
  }
  if (outcome.retryAfter === undefined || !/^\d+$/.test(outcome.retryAfter)) {
    return `${where} without Retry-After`;
  }
  return undefined;
}

interface StoredRow {
  id: string;
  copies: number;
  lines: number;
}

async function storedRows(db: Database): Promise<StoredRow[]> {
  const { rows } = await db.query<StoredRow>(
    `SELECT o.id::text AS id, count(DISTINCT o.ctid)::int AS copies, count(i.line)::int AS lines
       FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
      GROUP BY o.id`,
  );
  return rows;
}

/**
 * Settles the books of a drill: waits until every accepted order is stored, retries the keys
 * that got 503 or no answer (as the client is told to), waits again, then compares what the
 * clients were told with what PostgreSQL holds. Every load order has exactly one line.
 */
export async function settleBooks(options: {
  db: Database;
  record: LoadRecord;
  apiUrl: string;
  /** The order id of an Idempotency-Key, as the api derives it. */
  orderIdOf: (key: string) => string;
  /** Orders the drill placed outside the load (warm-up, recovery probe, replayed messages). */
  otherIds?: readonly string[];
  timeoutMs?: number;
}): Promise<Books> {
  const { db, record, orderIdOf } = options;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const byKey = new Map<string, { body: string; outcomes: HttpOutcome[] }>();
  for (const post of record.posts) {
    const entry = byKey.get(post.key) ?? { body: post.body, outcomes: [] };
    entry.outcomes.push(post.outcome);
    byKey.set(post.key, entry);
  }
  const accepted = new Set<string>();
  const ambiguous = new Map<string, string>();
  for (const [key, entry] of byKey) {
    if (entry.outcomes.some((outcome) => outcome.status === 202)) {
      accepted.add(orderIdOf(key));
    } else if (entry.outcomes.some((o) => o.status === undefined || o.status === 503)) {
      ambiguous.set(key, entry.body);
    }
  }

  const storedIds = async () => new Set((await storedRows(db)).map((row) => row.id));
  await waitFor(
    async () => {
      const stored = await storedIds();
      return [...accepted].every((id) => stored.has(id));
    },
    { timeoutMs, what: 'every accepted order stored' },
  ).catch(() => undefined);

  const beforeRetry = await storedIds();
  const storedWhileAmbiguous = [...ambiguous.keys()].filter((key) =>
    beforeRetry.has(orderIdOf(key)),
  ).length;
  const retryOutcomes: HttpOutcome[] = [];
  for (const [key, body] of ambiguous) {
    const outcome = await postOrder(options.apiUrl, key, body);
    retryOutcomes.push(outcome);
    if (outcome.status === 202) accepted.add(orderIdOf(key));
  }
  await waitFor(
    async () => {
      const stored = await storedIds();
      return [...accepted].every((id) => stored.has(id));
    },
    { timeoutMs, what: 'every retried order stored' },
  ).catch(() => undefined);
  // A redelivery or a late duplicate would arrive after the last order: give it time to show.
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  const rows = await storedRows(db);
  const storedSet = new Set(rows.map((row) => row.id));
  const accountedFor = new Set([
    ...accepted,
    ...[...ambiguous.keys()].map(orderIdOf),
    ...(options.otherIds ?? []),
  ]);
  const allOutcomes = [...record.posts.map((post) => post.outcome), ...retryOutcomes];
  return {
    keys: byKey.size,
    posts: record.posts.length,
    accepted: accepted.size,
    ambiguous: ambiguous.size,
    storedWhileAmbiguous,
    retried: retryOutcomes.length,
    retriedAccepted: retryOutcomes.filter((outcome) => outcome.status === 202).length,
    stored: rows.length,
    missing: [...accepted].filter((id) => !storedSet.has(id)),
    unexpected: rows.map((row) => row.id).filter((id) => !accountedFor.has(id)),
    duplicates: rows.filter((row) => row.copies !== 1 || row.lines !== 1).map((row) => row.id),
    statuses: tally(record.posts.map((post) => post.outcome)),
    readStatuses: tally(record.reads),
    badAnswers: [...allOutcomes, ...record.reads]
      .map(contractViolation)
      .filter((violation): violation is string => violation !== undefined),
  };
}
