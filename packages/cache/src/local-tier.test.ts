import { describe, expect, it } from 'vitest';
import { LocalTier, weakEtag } from './local-tier.js';

describe('LocalTier', () => {
  it('when more entries than allowed are set, then the least recently used go first', () => {
    const tier = new LocalTier({ maxEntries: 2, maxBytes: 1_000, ttlMs: 60_000 });
    tier.set('a', '"a"', 'a');
    tier.set('b', '"b"', 'b');
    expect(tier.get('a')?.value).toBe('a');
    tier.set('c', '"c"', 'c');
    expect(tier.get('b')).toBeUndefined();
    expect(tier.get('a')?.value).toBe('a');
    expect(tier.get('c')?.value).toBe('c');
    expect(tier.size).toBe(2);
  });

  it('when the bytes budget is exceeded, then entries are dropped until it fits, and a value larger than the budget is not kept', () => {
    const tier = new LocalTier({ maxEntries: 100, maxBytes: 40, ttlMs: 60_000 });
    tier.set('a', '"aaaaaaa"', 1); // 9 chars = 18 bytes
    tier.set('b', '"bbbbbbb"', 2);
    tier.set('c', '"ccccccc"', 3);
    expect(tier.byteSize).toBeLessThanOrEqual(40);
    expect(tier.get('a')).toBeUndefined();
    const huge = tier.set('huge', `"${'x'.repeat(100)}"`, 4);
    expect(huge.value).toBe(4);
    expect(tier.get('huge')).toBeUndefined();
    expect(tier.get('c')?.value).toBe(3);
  });

  it('when an entry outlives its ttl, then it is a miss; the Redis ttl shortens it, never lengthens it', () => {
    let now = 1_000;
    const tier = new LocalTier({ maxEntries: 10, maxBytes: 1_000, ttlMs: 5_000, now: () => now });
    tier.set('short', '1', 1, 2_000);
    tier.set('long', '2', 2, 60_000);
    now += 2_000;
    expect(tier.get('short')).toBeUndefined();
    expect(tier.get('long')?.value).toBe(2);
    now += 3_000;
    expect(tier.get('long')).toBeUndefined();
    expect(tier.byteSize).toBe(0);
  });

  it('when an entry is set, then its ETag is the weak form Express would send for that body', () => {
    const tier = new LocalTier({ maxEntries: 10, maxBytes: 1_000, ttlMs: 5_000 });
    const entry = tier.set('p', '{"id":"tea"}', { id: 'tea' });
    expect(entry.etag).toBe(weakEtag('{"id":"tea"}'));
    expect(entry.etag).toMatch(/^W\/"c-[A-Za-z0-9+/]{27}"$/);
  });
});
