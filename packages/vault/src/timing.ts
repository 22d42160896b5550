/** When to act on something that lives `ttlSeconds`: at 2/3 of its life, as Vault Agent does. */
export const RENEW_FRACTION = 2 / 3;

/** Milliseconds from now until a secret with `ttlSeconds` left should be renewed. */
export function renewDelayMs(ttlSeconds: number): number {
  return Math.max(0, Math.floor(ttlSeconds * 1000 * RENEW_FRACTION));
}

/** Milliseconds until 2/3 of the span between `issuedAt` and `expiresAt` has passed. */
export function renewAtFractionMs(issuedAt: Date, expiresAt: Date, now: Date): number {
  const lifetime = expiresAt.getTime() - issuedAt.getTime();
  const due = issuedAt.getTime() + lifetime * RENEW_FRACTION;
  return Math.max(0, due - now.getTime());
}

export interface BackoffOptions {
  /** First delay (default 250 ms). */
  baseMs?: number;
  /** Largest delay (default 30 s). */
  maxMs?: number;
  /** 0..1: how much of each delay is random (default 0.5, "equal jitter"). */
  jitter?: number;
}

/**
 * Exponential backoff with jitter for attempt 0, 1, 2, ...: the delay doubles up to `maxMs`, and
 * the random part keeps many processes from hammering a Vault that just came back at once.
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const baseMs = options.baseMs ?? 250;
  const maxMs = options.maxMs ?? 30_000;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (1 - jitter) + ceiling * jitter * random());
}

/**
 * A retry delay that never sleeps past the moment the thing we are trying to save expires
 * (minus a margin), so the last attempts happen while the old secret still works.
 */
export function retryDelayBeforeMs(
  attempt: number,
  msUntilExpiry: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const delay = backoffDelayMs(attempt, options, random);
  if (msUntilExpiry <= 0) return delay;
  return Math.max(0, Math.min(delay, Math.floor(msUntilExpiry / 2)));
}
