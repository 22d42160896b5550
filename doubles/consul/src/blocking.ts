import type { ChangeIndex } from './change-index.js';
import { parseDurationMs } from './duration.js';
import { badRequest } from './errors.js';

export const DEFAULT_WAIT_MS = 5 * 60_000;
export const MAX_WAIT_MS = 10 * 60_000;

export interface BlockingRequest {
  /** The index the client already has; the query blocks until the result moves past it. */
  index: number;
  /** How long to block, jitter included. */
  waitMs: number;
}

/**
 * Reads `index` and `wait` as Consul does: no index (or 0) means no blocking; `wait` defaults to
 * 5m, is capped at 10m, and gets up to wait/16 of random jitter so clients spread out.
 */
export function parseBlocking(
  query: URLSearchParams,
  random: () => number = Math.random,
): BlockingRequest | undefined {
  const rawIndex = query.get('index');
  if (rawIndex === null || rawIndex === '') return undefined;
  if (!/^\d+$/.test(rawIndex)) throw badRequest(`Invalid index: ${rawIndex}`);
  const index = Number(rawIndex);
  if (index === 0) return undefined;
  const rawWait = query.get('wait');
  let waitMs = DEFAULT_WAIT_MS;
  if (rawWait !== null && rawWait !== '') {
    const parsed = parseDurationMs(rawWait);
    if (parsed === undefined) throw badRequest('Invalid wait time');
    waitMs = parsed;
  }
  waitMs = Math.min(waitMs, MAX_WAIT_MS);
  waitMs += Math.floor(random() * (waitMs / 16));
  return { index, waitMs };
}

/**
 * Resolves once `relevantIndex()` exceeds `request.index`, when the wait runs out, or when
 * `signal` aborts (the client went away). The caller then answers with the current data either
 * way, as Consul does: a return is no guarantee of change.
 */
export function waitForChange(
  changes: ChangeIndex,
  request: BlockingRequest,
  relevantIndex: () => number,
  signal?: AbortSignal,
): Promise<void> {
  if (relevantIndex() > request.index) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      unsubscribe();
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, request.waitMs);
    const unsubscribe = changes.subscribe(() => {
      if (relevantIndex() > request.index) finish();
    });
    signal?.addEventListener('abort', finish, { once: true });
  });
}
