import { createStaticCredentialSource } from '@flowstack/credentials';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, uniqueId, waitFor } from '@flowstack/test-kit';
import { adminClient, REDIS } from '../test/support.js';
import { createCache, type Cache } from './cache.js';

const parseName = (raw: unknown): { name: string } => {
  if (typeof raw === 'object' && raw !== null && 'name' in raw && typeof raw.name === 'string') {
    return { name: raw.name };
  }
  throw new TypeError('not a named thing');
};

const opened: Cache[] = [];
let admin: Redis;
beforeAll(async () => {
  admin = adminClient();
  await admin.connect();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((cache) => cache.close()));
});
afterAll(async () => {
  await admin.quit();
});

async function instances(count: number, prefix = `cache-tiers:${uniqueId()}:`) {
  const caches: Cache[] = [];
  for (let i = 0; i < count; i += 1) {
    const cache = await createCache({
      ...REDIS,
      keyPrefix: prefix,
      credentials: createStaticCredentialSource({}),
      logger: captureLogger().logger,
      local: { maxEntries: 100, maxBytes: 1_000_000, ttlMs: 60_000 },
    });
    opened.push(cache);
    caches.push(cache);
  }
  await waitFor(() => caches.every((cache) => cache.localTierActive));
  return { caches, prefix };
}

describe('in-process tier', () => {
  it('when a value was read once, then the next read is served without Redis', async () => {
    const { caches, prefix } = await instances(1);
    const cache = caches[0]!;
    await admin.set(`${prefix}thing`, '{"name":"tea"}', 'EX', 60);
    expect(await cache.getOrLoad('thing', 60, () => Promise.resolve(undefined), parseName)).toEqual(
      {
        name: 'tea',
      },
    );
    // Changed behind the cache's back, without an announcement: the local copy still answers.
    await admin.set(`${prefix}thing`, '{"name":"coffee"}', 'EX', 60);
    const body = await cache.getBodyOrLoad(
      'thing',
      60,
      () => Promise.resolve(undefined),
      parseName,
    );
    expect(body?.json).toBe('{"name":"tea"}');
  });

  it('when one instance sets or deletes a key, then every instance drops its copy', async () => {
    const { caches } = await instances(2);
    const [a, b] = caches as [Cache, Cache];
    await a.setJson('shared', { name: 'v1' }, 60);
    const read = (cache: Cache) =>
      cache.getOrLoad('shared', 60, () => Promise.resolve(undefined), parseName);
    expect(await read(b)).toEqual({ name: 'v1' });
    await a.setJson('shared', { name: 'v2' }, 60);
    await waitFor(async () => (await read(b))?.name === 'v2');
    await a.delete('shared');
    await waitFor(async () => (await read(b)) === undefined);
  });

  it('when many keys are asked for, then local hits, one Redis round trip and one load serve them', async () => {
    const { caches, prefix } = await instances(1);
    const cache = caches[0]!;
    await admin.set(`${prefix}k:redis`, '{"name":"from redis"}', 'EX', 60);
    await cache.getOrLoad('k:local', 60, () => Promise.resolve({ name: 'local' }), parseName);
    const asked: string[][] = [];
    const found = await cache.getManyOrLoad(
      ['k:local', 'k:redis', 'k:source', 'k:nowhere', 'k:source'],
      60,
      (missing) => {
        asked.push([...missing]);
        return Promise.resolve(new Map([['k:source', { name: 'source' }]]));
      },
      parseName,
    );
    expect(asked).toEqual([['k:source', 'k:nowhere']]);
    expect(Object.fromEntries(found)).toEqual({
      'k:local': { name: 'local' },
      'k:redis': { name: 'from redis' },
      'k:source': { name: 'source' },
    });
    expect(JSON.parse((await admin.get(`${prefix}k:source`))!)).toEqual({ name: 'source' });
  });
});

describe('claimJson', () => {
  it('when many callers claim one key at once, then exactly one claims and every other sees its value', async () => {
    const { caches } = await instances(2);
    const key = `claim:${uniqueId()}`;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        caches[i % 2]!.claimJson(key, { name: `body-${i}` }, 60, parseName),
      ),
    );
    const winners = results.flatMap((result, i) => (result.claimed ? [`body-${i}`] : []));
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (!result.claimed) expect(result.existing).toEqual({ name: winners[0] });
    }
  });
});
