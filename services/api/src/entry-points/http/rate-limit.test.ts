import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { isAppError } from '@flowstack/errors';
import { isUnlimitedPath, rateLimit, type RateLimitSettings } from './rate-limit.js';

function harness(initial: RateLimitSettings, maxClients?: number) {
  let clockMs = 0;
  let settings = initial;
  const limiter = rateLimit({
    settings: () => settings,
    exempt: isUnlimitedPath,
    now: () => clockMs,
    maxClients,
  });
  const call = (ip = '10.0.0.1', path = '/v1/products'): unknown => {
    let passed: unknown = 'not called';
    const next: NextFunction = (error?: unknown) => {
      passed = error;
    };
    limiter({ ip, path, socket: {} } as unknown as Request, {} as Response, next);
    return passed;
  };
  return {
    call,
    advance: (ms: number) => (clockMs += ms),
    set: (next: RateLimitSettings) => (settings = next),
  };
}

const limited = (outcome: unknown) => isAppError(outcome) && outcome.status === 429;

describe('the per-client rate limit', () => {
  it('when a client exceeds its burst, then it gets 429 with a Retry-After until tokens refill', () => {
    const h = harness({ requestsPerSecond: 2, burst: 3 });
    expect([h.call(), h.call(), h.call()]).toEqual([undefined, undefined, undefined]);
    const refused = h.call();
    expect(limited(refused)).toBe(true);
    expect(refused).toMatchObject({ code: 'rate-limited', retryAfterSeconds: 1 });
    h.advance(500);
    expect(h.call()).toBeUndefined();
    expect(limited(h.call())).toBe(true);
  });

  it('when the rate is below one per second, then Retry-After covers the wait for one token', () => {
    const h = harness({ requestsPerSecond: 0.25, burst: 1 });
    expect(h.call()).toBeUndefined();
    expect(h.call()).toMatchObject({ status: 429, retryAfterSeconds: 4 });
  });

  it('when another client is limited, then this client is not', () => {
    const h = harness({ requestsPerSecond: 1, burst: 1 });
    expect(h.call('10.0.0.1')).toBeUndefined();
    expect(limited(h.call('10.0.0.1'))).toBe(true);
    expect(h.call('10.0.0.2')).toBeUndefined();
  });

  it('when health or metrics are asked for, then they are never limited', () => {
    const h = harness({ requestsPerSecond: 1, burst: 1 });
    h.call();
    for (const path of ['/health/live', '/health/ready', '/metrics', '/health/live'])
      expect(h.call('10.0.0.1', path)).toBeUndefined();
    expect(limited(h.call('10.0.0.1', '/v1/orders'))).toBe(true);
  });

  it('when the settings change at runtime, then the next request follows them', () => {
    const h = harness({ requestsPerSecond: 1, burst: 1 });
    h.call();
    expect(limited(h.call())).toBe(true);
    h.set({ requestsPerSecond: 0, burst: 1 });
    expect(h.call()).toBeUndefined();
    h.set({ requestsPerSecond: 1, burst: 1 });
    expect(limited(h.call())).toBe(true);
  });

  it('when more clients appear than it keeps, then old buckets are dropped and memory is bounded', () => {
    const h = harness({ requestsPerSecond: 1, burst: 1 }, 100);
    for (let i = 0; i < 1_000; i += 1) expect(h.call(`10.1.${i >> 8}.${i & 255}`)).toBeUndefined();
    // The first client's bucket was evicted, so it starts full again.
    expect(h.call('10.1.0.0')).toBeUndefined();
  });
});
