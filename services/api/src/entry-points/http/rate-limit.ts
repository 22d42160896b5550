import type { NextFunction, Request, Response } from 'express';
import { AppError } from '@flowstack/errors';

export interface RateLimitSettings {
  /** Sustained requests per second per client; 0 turns the limit off. */
  requestsPerSecond: number;
  /** Requests a client may make at once (the bucket size). */
  burst: number;
}

export interface RateLimitOptions {
  /** Read on every request, so a live config change (Consul KV) takes effect at once. */
  settings(): RateLimitSettings;
  /** Paths that are never limited (probes and scrapes must not be starved by a noisy client). */
  exempt?(path: string): boolean;
  /** Buckets kept before idle ones are dropped; bounds memory whatever the number of clients. */
  maxClients?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Per-client token bucket, in memory and per process: with N api instances a client gets up to N
 * times the rate, which is the price of needing no shared store. Keyed by `req.ip`, i.e. the peer
 * address unless Express's `trust proxy` is set for a known proxy.
 */
export function rateLimit(options: RateLimitOptions) {
  const buckets = new Map<string, Bucket>();
  const maxClients = options.maxClients ?? 10_000;
  const now = options.now ?? (() => performance.now());

  function evict(currentMs: number, settings: RateLimitSettings): void {
    // A bucket that has refilled to the brim holds nothing worth keeping.
    const fullAfterMs = (settings.burst / settings.requestsPerSecond) * 1000;
    for (const [key, bucket] of buckets) {
      if (currentMs - bucket.updatedMs >= fullAfterMs) buckets.delete(key);
    }
    // Still too many active clients: drop the oldest (Map keeps insertion order).
    for (const key of buckets.keys()) {
      if (buckets.size < maxClients) break;
      buckets.delete(key);
    }
  }

  return (req: Request, res: Response, next: NextFunction): void => {
    const settings = options.settings();
    if (
      !(settings.requestsPerSecond > 0) ||
      !(settings.burst >= 1) ||
      options.exempt?.(req.path) === true
    ) {
      next();
      return;
    }
    const key = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const currentMs = now();
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      if (buckets.size >= maxClients) evict(currentMs, settings);
      bucket = { tokens: settings.burst, updatedMs: currentMs };
      buckets.set(key, bucket);
    } else {
      const refill = ((currentMs - bucket.updatedMs) / 1000) * settings.requestsPerSecond;
      bucket.tokens = Math.min(settings.burst, bucket.tokens + refill);
      bucket.updatedMs = currentMs;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      next();
      return;
    }
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil((1 - bucket.tokens) / settings.requestsPerSecond),
    );
    next(
      new AppError('Too many requests from this client; slow down.', {
        status: 429,
        code: 'rate-limited',
        retryAfterSeconds,
      }),
    );
  };
}

/** Liveness, readiness and metrics stay reachable whatever a client does. */
export function isUnlimitedPath(path: string): boolean {
  return path === '/metrics' || path.startsWith('/health/');
}
