import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { sendProblem } from './error-handler.js';
import {
  isUnlimitedPath,
  rateLimit,
  redisRateLimitStore,
  type RateLimitOptions,
  type RateLimitSettings,
} from './rate-limit.js';

function appWith(
  initial: RateLimitSettings,
  store?: RateLimitOptions['store'],
  logged: string[] = [],
) {
  let settings = initial;
  const app = express();
  // The peer of a supertest request is always loopback: the client address comes from the
  // test, through X-Forwarded-For, as it would from a proxy the api trusts.
  app.set('trust proxy', 'loopback');
  app.use(
    rateLimit({
      settings: () => settings,
      exempt: isUnlimitedPath,
      ...(store ? { store } : {}),
      logger: {
        error: (_error, message) => logged.push(`error: ${message ?? ''}`),
        warn: (_error, message) => logged.push(`warn: ${message ?? ''}`),
      },
    }),
  );
  app.get('/{*path}', (_req, res) => {
    res.json({ ok: true });
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendProblem(res, error, req.path);
  });
  return {
    get: (ip = '10.0.0.1', path = '/v1/products') =>
      request(app).get(path).set('x-forwarded-for', ip),
    set: (next: RateLimitSettings) => (settings = next),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the per-client rate limit', () => {
  it('when a client exceeds its burst, then it gets a 429 problem with Retry-After until the window passes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const h = appWith({ requestsPerSecond: 2, burst: 3 });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await h.get()).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await h.get();
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      status: 429,
      type: expect.stringMatching(/rate-limited$/),
    });
    expect(Number(refused.headers['retry-after'])).toBe(2); // window = 3 / 2 per second = 1.5 s
    vi.setSystemTime(Date.now() + 1_500);
    expect((await h.get()).status).toBe(200);
  });

  it('when it answers, then the RateLimit headers tell the client its limit, what is left and when it resets', async () => {
    const h = appWith({ requestsPerSecond: 1, burst: 5 });
    const response = await h.get();
    expect(response.headers['ratelimit-limit']).toBe('5');
    expect(response.headers['ratelimit-remaining']).toBe('4');
    expect(Number(response.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(1);
    expect(response.headers['ratelimit-policy']).toBe('5;w=5');
  });

  it('when the rate is below one per second, then Retry-After covers the whole window', async () => {
    const h = appWith({ requestsPerSecond: 0.25, burst: 1 });
    expect((await h.get()).status).toBe(200);
    const refused = await h.get();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBe(4);
  });

  it('when another client is limited, then this client is not', async () => {
    const h = appWith({ requestsPerSecond: 1, burst: 1 });
    expect((await h.get('10.0.0.1')).status).toBe(200);
    expect((await h.get('10.0.0.1')).status).toBe(429);
    expect((await h.get('10.0.0.2')).status).toBe(200);
  });

  it('when one IPv6 client rotates addresses within its /56, then they share one limit; another /56 does not', async () => {
    const h = appWith({ requestsPerSecond: 1, burst: 2 });
    expect((await h.get('2001:db8:1:100::1')).status).toBe(200);
    expect((await h.get('2001:db8:1:1ff:abcd::2')).status).toBe(200);
    expect((await h.get('2001:db8:1:142::3')).status).toBe(429);
    expect((await h.get('2001:db8:1:200::1')).status).toBe(200);
  });

  it('when health or metrics are asked for, then they are never limited', async () => {
    const h = appWith({ requestsPerSecond: 1, burst: 1 });
    await h.get();
    for (const path of ['/health/live', '/health/ready', '/metrics', '/health/live']) {
      expect((await h.get('10.0.0.1', path)).status).toBe(200);
    }
    expect((await h.get('10.0.0.1', '/v1/orders')).status).toBe(429);
  });

  it('when the settings change at runtime, then the next request follows them', async () => {
    const h = appWith({ requestsPerSecond: 1, burst: 1 });
    await h.get();
    expect((await h.get()).status).toBe(429);
    h.set({ requestsPerSecond: 0, burst: 1 });
    expect((await h.get()).status).toBe(200);
    h.set({ requestsPerSecond: 1, burst: 2 });
    expect((await h.get()).headers['ratelimit-limit']).toBe('2');
    expect((await h.get()).status).toBe(200);
    expect((await h.get()).status).toBe(429);
  });
});

describe('the rate limit with the Redis store', () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  afterAll(async () => {
    await redis.quit();
  });

  it('when two api instances share the store, then a client is limited across both', async () => {
    const prefix = `flowstack-test:${randomUUID()}:`;
    const store = redisRateLimitStore(
      (...args: string[]) => redis.call(args[0]!, ...args.slice(1)) as never,
      prefix,
    );
    const one = appWith({ requestsPerSecond: 1, burst: 2 }, store);
    const two = appWith({ requestsPerSecond: 1, burst: 2 }, store);
    expect((await one.get('10.9.0.1')).status).toBe(200);
    expect((await two.get('10.9.0.1')).status).toBe(200);
    expect((await one.get('10.9.0.1')).status).toBe(429);
    expect((await two.get('10.9.0.1')).status).toBe(429);
    expect(await redis.keys(`${prefix}*`)).toHaveLength(1);
  });

  it('when Redis cannot be reached, then requests are served rather than refused', async () => {
    const down = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const h = appWith(
      { requestsPerSecond: 1, burst: 1 },
      redisRateLimitStore(
        (...args: string[]) => down.call(args[0]!, ...args.slice(1)) as never,
        'x:',
      ),
    );
    expect((await h.get()).status).toBe(200);
    expect((await h.get()).status).toBe(200);
    down.disconnect();
  });
});
