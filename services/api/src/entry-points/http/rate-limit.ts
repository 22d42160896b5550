import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  MemoryStore,
  rateLimit as expressRateLimit,
  type Logger as RateLimitLogger,
  type RateLimitRequestHandler,
  type Store,
} from 'express-rate-limit';
import { RedisStore, type SendCommandFn } from 'rate-limit-redis';
import { AppError } from '@flowstack/errors';

export interface RateLimitSettings {
  /** Sustained requests per second per client; 0 turns the limit off. */
  requestsPerSecond: number;
  /** Requests a client may make at once. */
  burst: number;
}

export interface RateLimitOptions {
  /** Read on every request, so a live config change (Consul KV) takes effect at once. */
  settings(): RateLimitSettings;
  /** Paths that are never limited (probes and scrapes must not be starved by a noisy client). */
  exempt?(path: string): boolean;
  /**
   * Where hit counts live. Default: memory, per process (with N api instances a client gets up
   * to N times the rate). `redisRateLimitStore` shares them, so the limit holds across instances.
   * Called again, with a new prefix, when the settings change.
   */
  store?: (prefix: string) => Store;
  /** Where the library's own configuration warnings go (they would otherwise reach the console). */
  logger?: RateLimitLogger;
}

/**
 * Per-client limit on express-rate-limit: `burst` requests per window of `burst / requestsPerSecond`
 * seconds, so the sustained rate is `requestsPerSecond` (a fixed window: across a window edge a
 * client can send up to twice the burst). Clients are keyed by `req.ip` (the peer address unless
 * Express's `trust proxy` names a known proxy), IPv6 addresses by their /56, the smallest
 * prefix an ISP hands one subscriber, so rotating through one's own /64 gains nothing. Answers
 * carry the `RateLimit-Limit`, `-Remaining`, `-Reset` and `RateLimit-Policy` headers; a refusal is
 * a 429 problem with Retry-After. The library's window is fixed at creation, so when the live
 * settings change a limiter for the new ones replaces the old one (its counts start afresh).
 */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  let current: { key: string; handler: RateLimitRequestHandler; store: Store } | undefined;

  function limiterFor(settings: RateLimitSettings) {
    const key = `${settings.requestsPerSecond}/${settings.burst}`;
    if (current?.key === key) return current.handler;
    void current?.store.shutdown?.();
    const windowMs = Math.max(1, Math.round((settings.burst / settings.requestsPerSecond) * 1000));
    const store = options.store?.(`rate-limit:${key}:`) ?? new MemoryStore();
    const handler = expressRateLimit({
      windowMs,
      limit: settings.burst,
      standardHeaders: 'draft-6',
      legacyHeaders: false,
      ipv6Subnet: 56,
      store,
      // A shared store that is down must not take the api down with it: serve unlimited.
      passOnStoreError: true,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      // Created on the first request after a settings change, by design.
      validate: { creationStack: false },
      handler: (req: Request, _res: Response, next: NextFunction) => {
        const resetMs = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit
          ?.resetTime;
        const retryAfterSeconds = Math.max(
          1,
          Math.ceil(((resetMs?.getTime() ?? Date.now() + windowMs) - Date.now()) / 1000),
        );
        next(
          new AppError('Too many requests from this client; slow down.', {
            status: 429,
            code: 'rate-limited',
            retryAfterSeconds,
          }),
        );
      },
    });
    current = { key, handler, store };
    return handler;
  }

  return (req, res, next) => {
    const settings = options.settings();
    if (
      !(settings.requestsPerSecond > 0) ||
      !(settings.burst >= 1) ||
      options.exempt?.(req.path) === true
    ) {
      next();
      return;
    }
    void limiterFor(settings)(req, res, next);
  };
}

/**
 * Hit counts in Redis (one key per client and window, with its expiry), so every api instance
 * counts against the same limit. `sendCommand` runs one raw command, e.g. ioredis's
 * `(...args) => redis.call(...args)`. The Redis user needs `+evalsha +script|load` on the key prefix.
 */
export function redisRateLimitStore(
  sendCommand: SendCommandFn,
  keyPrefix: string,
): (prefix: string) => Store {
  return (prefix) => new RedisStore({ sendCommand, prefix: `${keyPrefix}${prefix}` });
}

/** Liveness, readiness and metrics stay reachable whatever a client does. */
export function isUnlimitedPath(path: string): boolean {
  return path === '/metrics' || path.startsWith('/health/');
}
