import { randomUUID } from 'node:crypto';
import { SEED_PRODUCTS } from '@flowstack/domain';
import { sleep, waitFor } from '@flowstack/test-kit';
import { type ThrowawayServers } from '@flowstack/test-kit';
import { longestAcceptGap } from './accept-gap.js';
import { settleBooks, type Books } from './books.js';
import { startChaosStack, type ChaosStack } from './chaos-stack.js';
import { orderBodyFor, postOrder, send, startLoad, type Load, type LoadRecord } from './load.js';
import { verifyRecovered } from './recovery.js';
import { errorsOf, recordResult, type DrillResult } from './results.js';
import { secretLeaks } from './secrets.js';

export const PRODUCT_IDS = SEED_PRODUCTS.map((product) => product.id);

export interface DrillContext {
  stack: ChaosStack;
  load: Load;
  servers: ThrowawayServers;
  notes: string[];
  /** Orders the drill itself placed or published outside the load. */
  otherIds: string[];
}

export interface DrillOutcome {
  result: DrillResult;
  books: Books;
  record: LoadRecord;
  /** Every broken promise of the drill, empty when it passed. */
  violations: string[];
}

export interface DrillSpec {
  name: string;
  fault: string;
  expected: string;
  servers: ThrowawayServers;
  env?: Record<string, string>;
  /** Starts the stack under test (default: api and worker on the throwaway servers). */
  startStack?: () => Promise<ChaosStack>;
  ratePerSecond?: number;
  /** Injects the fault and heals it; resolves with the time the fault was healed. */
  inject(context: DrillContext): Promise<number>;
  /** Load failures that are part of the contract here (`refused` during a restart). */
  allowedFailures?: readonly ('refused' | 'cut' | 'timeout')[];
  /** The drill runs on the three-node broker cluster, with this queue type. */
  brokerCluster?: { queueType: string };
  /** Drill-specific checks, run after the books are settled; return the violations. */
  check?(context: DrillContext & { books: Books; record: LoadRecord }): Promise<string[]>;
}

/**
 * The shape of every drill: start the stack, warm the cache, run steady load, inject the fault,
 * heal it, keep the load going a little, then check that the stack recovered by itself and settle
 * the books. The result goes to results/latest.json whether the drill passed or not.
 */
export async function runDrill(spec: DrillSpec): Promise<DrillOutcome> {
  const started = Date.now();
  const stack = await (spec.startStack?.() ?? startChaosStack(spec.servers, spec.name, spec.env));
  const notes: string[] = [];
  try {
    const { readPaths, orderIds } = await warmReads(stack);
    const load = startLoad({
      baseUrl: stack.apiUrl,
      productIds: PRODUCT_IDS,
      readPaths,
      ratePerSecond: spec.ratePerSecond ?? 25,
    });
    const context: DrillContext = {
      stack,
      load,
      servers: spec.servers,
      notes,
      otherIds: [...orderIds],
    };
    await sleep(2_000);
    let healedAt = Date.now();
    const violations: string[] = [];
    try {
      healedAt = await spec.inject(context);
    } catch (error) {
      violations.push(`fault injection failed: ${String(error)}`);
    }
    await sleep(2_000);
    const record = await load.stop();

    let recoveryMs: number | undefined;
    try {
      context.otherIds.push(await verifyRecovered(stack.apiUrl, PRODUCT_IDS[0]!));
      recoveryMs = Date.now() - healedAt;
    } catch (error) {
      violations.push(`did not recover without a restart: ${String(error)}`);
    }
    const firstAcceptedAfterHeal = record.posts
      .filter((post) => post.outcome.startedMs >= healedAt && post.outcome.status === 202)
      .sort((a, b) => a.outcome.startedMs - b.outcome.startedMs)[0];
    if (firstAcceptedAfterHeal !== undefined) {
      recoveryMs = firstAcceptedAfterHeal.outcome.endedMs - healedAt;
    }

    const books = await settleBooks({
      db: stack.db,
      record,
      apiUrl: stack.apiUrl,
      orderIdOf: stack.orderIdOf,
      otherIds: context.otherIds,
    });
    violations.push(...standardViolations(books, record, spec.allowedFailures ?? []));
    if (spec.check !== undefined) {
      violations.push(...(await spec.check({ ...context, books, record })));
    }
    violations.push(...secretLeaks(stack.output).slice(0, 5));
    // A failed drill names what the services logged as errors, the first place to look.
    if (violations.length > 0) {
      notes.push(
        ...stack.output
          .filter((line) => /"level":(50|60|"error"|"fatal")/.test(line))
          .slice(0, 3)
          .map((line) => `logged: ${line.slice(0, 600)}`),
      );
    }

    const result = drillResult({ spec, started, books, record, recoveryMs, notes, violations });
    await recordResult(result);
    return { result, books, record, violations };
  } finally {
    await stack.close();
  }
}

/** What a drill writes to results/latest.json. */
export function drillResult(run: {
  spec: Pick<DrillSpec, 'name' | 'fault' | 'expected' | 'brokerCluster'>;
  started: number;
  books: Books;
  record: LoadRecord;
  recoveryMs: number | undefined;
  notes: string[];
  violations: string[];
}): DrillResult {
  const { spec, started, books, record, recoveryMs, notes, violations } = run;
  return {
    drill: spec.name,
    fault: spec.fault,
    expected: spec.expected,
    passed: violations.length === 0,
    ranAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    accepted: books.accepted,
    stored: books.stored,
    duplicates: books.duplicates.length,
    missing: books.missing.length,
    unexpected: books.unexpected.length,
    ambiguous: books.ambiguous,
    storedWhileAmbiguous: books.storedWhileAmbiguous,
    errorsSeen: errorsOf(books.statuses, books.readStatuses),
    recoveryMs,
    longestAcceptGapMs: longestAcceptGap(record),
    ...(spec.brokerCluster === undefined ? {} : { brokerCluster: spec.brokerCluster }),
    notes: [...notes, ...violations.map((violation) => `violation: ${violation}`)],
  };
}

export function standardViolations(
  books: Books,
  record: LoadRecord,
  allowedFailures: readonly string[],
): string[] {
  const violations: string[] = [];
  if (books.missing.length > 0) violations.push(`accepted but not stored: ${books.missing.length}`);
  if (books.unexpected.length > 0) {
    violations.push(`stored but never accepted: ${books.unexpected.length}`);
  }
  if (books.duplicates.length > 0) violations.push(`stored twice: ${books.duplicates.length}`);
  if (books.retriedAccepted !== books.retried) {
    violations.push(
      `retries after recovery not accepted: ${books.retried - books.retriedAccepted}`,
    );
  }
  violations.push(...books.badAnswers.slice(0, 5));
  const outcomes = [...record.posts.map((post) => post.outcome), ...record.reads];
  const failures = outcomes.filter(
    (outcome) => outcome.failure !== undefined && !allowedFailures.includes(outcome.failure),
  );
  if (failures.length > 0) {
    violations.push(
      `requests without a complete answer: ${failures.length} (${failures[0]!.failure}: ${failures[0]!.error})`,
    );
  }
  const clientErrors = outcomes.filter(
    (outcome) => outcome.status !== undefined && outcome.status >= 400 && outcome.status < 500,
  );
  if (clientErrors.length > 0) {
    violations.push(
      `4xx for valid requests: ${clientErrors.length} (${clientErrors[0]!.method} ${clientErrors[0]!.path} ${clientErrors[0]!.status})`,
    );
  }
  return violations;
}

/**
 * Reads the load repeats: the catalog, and orders stored (and so cached) before the fault, so a
 * read that must not fail has something to be served from.
 */
async function warmReads(stack: ChaosStack): Promise<{ readPaths: string[]; orderIds: string[] }> {
  const orderIds: string[] = [];
  for (const productId of PRODUCT_IDS.slice(0, 3)) {
    const outcome = await postOrder(stack.apiUrl, randomUUID(), orderBodyFor(productId));
    if (outcome.status !== 202) throw new Error(`warm-up order refused: ${outcome.status}`);
    orderIds.push((JSON.parse(outcome.body) as { id: string }).id);
  }
  const paths = [
    '/v1/products?limit=5',
    ...PRODUCT_IDS.map((id) => `/v1/products/${id}`),
    ...orderIds.map((id) => `/v1/orders/${id}`),
  ];
  for (const path of paths) {
    await waitFor(
      async () => {
        const outcome = await send(stack.apiUrl, path, { method: 'GET' });
        return outcome.status === 200 && !outcome.body.includes('"pending"');
      },
      { timeoutMs: 30_000, what: `warm read of ${path}` },
    );
  }
  return { readPaths: paths, orderIds };
}
