import { inspect } from 'node:util';
import {
  createManualAddressSource,
  createManualCredentialSource,
  createStaticCredentialSource,
} from '@flowstack/credentials';
import { AppError } from '@flowstack/errors';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  captureLogger,
  freePort,
  throwawayRedis,
  uniqueId,
  waitFor,
  type ThrowawayRedis,
} from '@flowstack/test-kit';
import { adminClient, REDIS } from '../test/support.js';
import { createCache, type Cache, type CacheOptions } from './cache.js';

interface Product {
  id: string;
  name: string;
}

function parseProduct(raw: unknown): Product {
  if (
    typeof raw === 'object' &&
    raw !== null &&
    'id' in raw &&
    typeof raw.id === 'string' &&
    'name' in raw &&
    typeof raw.name === 'string'
  ) {
    return { id: raw.id, name: raw.name };
  }
  throw new TypeError('not a product');
}

const opened: Cache[] = [];
const servers: ThrowawayRedis[] = [];
let admin: Redis;

beforeAll(async () => {
  admin = adminClient();
  await admin.connect();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((cache) => cache.close()));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

afterAll(async () => {
  await admin.quit();
});

async function openCache(overrides: Partial<CacheOptions> = {}) {
  const prefix = `cache-test:${uniqueId()}:`;
  const { logger, lines } = captureLogger('cache-test');
  const cache = await createCache({
    ...REDIS,
    keyPrefix: prefix,
    credentials: createStaticCredentialSource({}),
    logger,
    ...overrides,
  });
  opened.push(cache);
  return { cache, prefix: overrides.keyPrefix ?? prefix, lines };
}

function loader<T>(value: T | undefined) {
  const calls = { count: 0 };
  const load = () => {
    calls.count += 1;
    return Promise.resolve(value);
  };
  return { load, calls };
}

describe('getOrLoad', () => {
  it('when the key is missing, then it loads, stores under the prefix with the ttl, and serves the next call from Redis', async () => {
    const { cache, prefix } = await openCache();
    const product = { id: 'p1', name: 'Tea' };
    const { load, calls } = loader(product);

    expect(await cache.getOrLoad('product:p1', 60, load, parseProduct)).toEqual(product);
    expect(await cache.getOrLoad('product:p1', 60, load, parseProduct)).toEqual(product);

    expect(calls.count).toBe(1);
    expect(JSON.parse((await admin.get(`${prefix}product:p1`))!)).toEqual(product);
    const ttl = await admin.ttl(`${prefix}product:p1`);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('when the loader finds nothing, then nothing is cached and the next call loads again', async () => {
    const { cache, prefix } = await openCache();
    const { load, calls } = loader<Product>(undefined);
    expect(await cache.getOrLoad('product:none', 60, load, parseProduct)).toBeUndefined();
    expect(await cache.getOrLoad('product:none', 60, load, parseProduct)).toBeUndefined();
    expect(calls.count).toBe(2);
    expect(await admin.exists(`${prefix}product:none`)).toBe(0);
  });

  it('when the cached value is corrupt, then it is a miss and is overwritten', async () => {
    const { cache, prefix } = await openCache();
    await admin.set(`${prefix}product:bad`, '{"id": 42', 'EX', 60);
    await admin.set(`${prefix}product:wrong-shape`, '{"id": 42}', 'EX', 60);
    const product = { id: 'bad', name: 'Fixed' };

    expect(await cache.getOrLoad('product:bad', 60, loader(product).load, parseProduct)).toEqual(
      product,
    );
    expect(
      await cache.getOrLoad('product:wrong-shape', 60, loader(product).load, parseProduct),
    ).toEqual(product);

    expect(JSON.parse((await admin.get(`${prefix}product:bad`))!)).toEqual(product);
    expect(JSON.parse((await admin.get(`${prefix}product:wrong-shape`))!)).toEqual(product);
  });

  it('when the loader throws, then its error propagates and nothing is cached', async () => {
    const { cache, prefix } = await openCache();
    const failure = new Error('database down');
    await expect(
      cache.getOrLoad('product:x', 60, () => Promise.reject(failure), parseProduct),
    ).rejects.toBe(failure);
    expect(await admin.exists(`${prefix}product:x`)).toBe(0);
  });
});

describe('getJson, setJson, setJsonIfAbsent, delete', () => {
  it('when a value is set, then it reads back parsed, with its ttl, and delete removes it', async () => {
    const { cache, prefix } = await openCache();
    const product = { id: 'p2', name: 'Coffee' };
    expect(await cache.getJson('product:p2', parseProduct)).toBeUndefined();

    await cache.setJson('product:p2', product, 30);

    expect(await cache.getJson('product:p2', parseProduct)).toEqual(product);
    expect(await admin.ttl(`${prefix}product:p2`)).toBeGreaterThan(20);
    expect(await cache.delete('product:p2', 'product:never-set')).toBe(1);
    expect(await cache.getJson('product:p2', parseProduct)).toBeUndefined();
    expect(await cache.delete()).toBe(0);
  });

  it('when a key is set if absent twice, then only the first sets it', async () => {
    const { cache } = await openCache();
    expect(await cache.setJsonIfAbsent('order:o1', { state: 'pending' }, 30)).toBe(true);
    expect(await cache.setJsonIfAbsent('order:o1', { state: 'other' }, 30)).toBe(false);
    expect(await cache.getJson('order:o1', (raw) => raw)).toEqual({ state: 'pending' });
  });

  it('when a stored value does not parse, then getJson gives undefined', async () => {
    const { cache, prefix } = await openCache();
    await admin.set(`${prefix}product:corrupt`, 'not json', 'EX', 60);
    expect(await cache.getJson('product:corrupt', parseProduct)).toBeUndefined();
  });

  it('when ping is called on a live connection, then it resolves and ready is true', async () => {
    const { cache } = await openCache();
    await expect(cache.ping()).resolves.toBeUndefined();
    expect(cache.ready).toBe(true);
  });
});

describe('when Redis is unreachable', () => {
  it('then creation does not throw, getOrLoad serves from the loader quickly, and the rest throw 503', async () => {
    const degraded: string[] = [];
    const password = 'redis-pw-never-logged';
    const started = Date.now();
    const { cache, lines } = await openCache({
      port: await freePort(),
      credentials: createStaticCredentialSource({ username: 'someone', password }),
      onDegraded: (operation) => degraded.push(operation),
    });
    const product = { id: 'p3', name: 'Cocoa' };

    expect(cache.ready).toBe(false);
    expect(await cache.getOrLoad('product:p3', 60, loader(product).load, parseProduct)).toEqual(
      product,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(degraded).toEqual(['get']);

    const failures = [
      cache.getJson('product:p3', parseProduct),
      cache.setJson('product:p3', product, 60),
      cache.setJsonIfAbsent('product:p3', product, 60),
      cache.delete('product:p3'),
      cache.ping(),
    ];
    for (const failure of failures) {
      const error: unknown = await failure.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ status: 503, code: 'cache-unavailable' });
      expect(inspect(error, { depth: 10 })).not.toContain(password);
    }
    expect(lines.join('')).toContain('cache unavailable; serving without it');
    expect(lines.join('')).not.toContain(password);
  });
});

describe('when Redis goes away and comes back', () => {
  it('then the same cache falls back while it is down and serves from Redis again once it is back', async () => {
    const server = await throwawayRedis();
    servers.push(server);
    await server.start();
    const degraded: string[] = [];
    const { cache } = await openCache({
      port: server.port,
      maxReconnectDelayMs: 200,
      onDegraded: (operation) => degraded.push(operation),
    });
    const product = { id: 'p4', name: 'Mate' };
    await cache.setJson('product:p4', product, 60);
    expect(await cache.getJson('product:p4', parseProduct)).toEqual(product);

    await server.stop();
    await waitFor(() => !cache.ready, {
      timeoutMs: 5_000,
      what: 'the cache to notice Redis is gone',
    });

    const fromSource = { id: 'p4', name: 'Mate from the database' };
    const started = Date.now();
    expect(await cache.getOrLoad('product:p4', 60, loader(fromSource).load, parseProduct)).toEqual(
      fromSource,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(degraded).toContain('get');
    await expect(cache.getJson('product:p4', parseProduct)).rejects.toMatchObject({
      status: 503,
    });

    await server.start();
    await waitFor(() => cache.ready, { timeoutMs: 10_000, what: 'the cache to reconnect' });

    const { load, calls } = loader(product);
    expect(await cache.getOrLoad('product:p4', 60, load, parseProduct)).toEqual(product);
    expect(await cache.getOrLoad('product:p4', 60, load, parseProduct)).toEqual(product);
    expect(calls.count).toBe(1);
  });

  it('when Redis is down at creation, then creation succeeds and the cache connects once Redis starts', async () => {
    const server = await throwawayRedis();
    servers.push(server);
    const { cache } = await openCache({ port: server.port, maxReconnectDelayMs: 200 });
    expect(cache.ready).toBe(false);

    await server.start();
    await waitFor(() => cache.ready, { timeoutMs: 10_000, what: 'the cache to connect' });

    await cache.setJson('late', { ok: true }, 60);
    expect(await cache.getJson('late', (raw) => raw)).toEqual({ ok: true });
  });

  it('when Redis is slow, then getOrLoad gives up after the command timeout and serves the loader', async () => {
    const server = await throwawayRedis();
    servers.push(server);
    await server.start();
    const degraded: string[] = [];
    const { cache } = await openCache({
      port: server.port,
      commandTimeoutMs: 200,
      onDegraded: (operation) => degraded.push(operation),
    });
    const blocker = adminClient(server.port);
    await blocker.connect();
    try {
      const sleeping = blocker.call('DEBUG', 'SLEEP', '1.5');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const product = { id: 'p5', name: 'Rooibos' };
      const started = Date.now();
      expect(await cache.getOrLoad('product:p5', 60, loader(product).load, parseProduct)).toEqual(
        product,
      );
      expect(Date.now() - started).toBeLessThan(1_200);
      expect(degraded[0]).toBe('get');
      await sleeping;
    } finally {
      blocker.disconnect();
    }
  });
});

describe('credential rotation', () => {
  it('when credentials rotate, then the live connection re-authenticates without dropping commands and reconnects as the new user', async () => {
    const id = uniqueId();
    const prefix = `cache-rot:${id}:`;
    const username = `cache_rot_${id}`;
    const password = `pw-${id}-never-logged`;
    const connectionName = `cache-rotation-${id}`;
    await admin.call('ACL', 'SETUSER', username, 'on', `>${password}`, `~${prefix}*`, '+@all');
    const source = createManualCredentialSource({});
    const { cache, lines } = await openCache({
      keyPrefix: prefix,
      credentials: source,
      connectionName,
    });
    const userOfConnection = async () => {
      const list = (await admin.call('CLIENT', 'LIST')) as string;
      const line = list.split('\n').find((entry) => entry.includes(` name=${connectionName} `));
      return /\buser=(\S+)/.exec(line ?? '')?.[1];
    };
    try {
      expect(await userOfConnection()).toBe('default');

      const during = Array.from({ length: 50 }, (_, i) =>
        cache.setJson(`k${i}`, { i }, 60).then(() => cache.getJson(`k${i}`, (raw) => raw)),
      );
      await source.rotate({ username, password });
      const results = await Promise.all(during);

      expect(results).toEqual(Array.from({ length: 50 }, (_, i) => ({ i })));
      expect(await userOfConnection()).toBe(username);

      await admin.call('CLIENT', 'KILL', 'USER', username);
      await waitFor(async () => (await userOfConnection()) === username && cache.ready, {
        timeoutMs: 10_000,
        what: 'reconnect',
      });
      await cache.setJson('after-reconnect', { ok: true }, 60);
      expect(await cache.getJson('after-reconnect', (raw) => raw)).toEqual({ ok: true });

      const log = lines.join('');
      expect(log).toContain('redis credentials rotated');
      expect(log).not.toContain(password);
    } finally {
      await cache.close();
      await admin.call('ACL', 'DELUSER', username);
    }
  });
});

describe('address moves', () => {
  it('when Redis moves, then commands in flight complete and later commands go to the new server', async () => {
    const moved = await throwawayRedis();
    servers.push(moved);
    await moved.start();
    const address = createManualAddressSource(REDIS);
    const { cache, prefix, lines } = await openCache({ address });
    await cache.setJson('before', { at: 'old' }, 60);

    const inFlight = Array.from({ length: 50 }, (_, i) =>
      cache.getOrLoad(`p${i}`, 60, () => Promise.resolve({ id: `p${i}`, name: 'x' }), parseProduct),
    );
    const moving = address.move({ host: REDIS.host, port: moved.port });
    const results = await Promise.all(inFlight);
    await moving;
    expect(results.every((product, i) => product?.id === `p${i}`)).toBe(true);

    await cache.setJson('after', { at: 'new' }, 60);
    const newServer = adminClient(moved.port);
    try {
      await newServer.connect();
      expect(await newServer.get(`${prefix}after`)).toBe(JSON.stringify({ at: 'new' }));
      expect(await admin.get(`${prefix}after`)).toBeNull();
      expect(await admin.get(`${prefix}before`)).toBe(JSON.stringify({ at: 'old' }));
    } finally {
      newServer.disconnect();
    }
    expect(cache.ready).toBe(true);
    expect(lines.join('')).toContain('redis moved');
  });
});
