import { describe, expect, it } from 'vitest';
import { ChangeIndex } from './change-index.js';
import { KvStore } from './kv-store.js';

const fresh = () => {
  const changes = new ChangeIndex();
  return { changes, kv: new KvStore(changes) };
};

describe('KvStore', () => {
  it('when a key is written twice, then CreateIndex stays and ModifyIndex moves with the global index', () => {
    const { changes, kv } = fresh();
    kv.put('a', Buffer.from('1'));
    const first = kv.get('a')!;
    kv.put('other', Buffer.from('x'));
    kv.put('a', Buffer.from('2'));
    const second = kv.get('a')!;
    expect(second.createIndex).toBe(first.createIndex);
    expect(second.modifyIndex).toBe(changes.current);
    expect(second.modifyIndex).toBeGreaterThan(first.modifyIndex + 1);
  });

  it('when cas is 0, then only a missing key is written', () => {
    const { kv } = fresh();
    expect(kv.put('k', Buffer.from('1'), { cas: 0 })).toBe(true);
    expect(kv.put('k', Buffer.from('2'), { cas: 0 })).toBe(false);
    expect(kv.get('k')?.value.toString()).toBe('1');
  });

  it('when cas is N, then the write needs ModifyIndex N', () => {
    const { kv } = fresh();
    kv.put('k', Buffer.from('1'));
    const index = kv.get('k')!.modifyIndex;
    expect(kv.put('k', Buffer.from('2'), { cas: index + 1 })).toBe(false);
    expect(kv.put('k', Buffer.from('2'), { cas: index })).toBe(true);
    expect(kv.delete('k', { cas: index })).toBe(false);
    expect(kv.delete('k', { cas: kv.get('k')!.modifyIndex })).toBe(true);
    expect(kv.get('k')).toBeUndefined();
  });

  it('when listing keys with a separator, then deeper keys fold into folders', () => {
    const { kv } = fresh();
    for (const key of ['web/foo', 'web/bar', 'web/sub/x', 'web/sub/y', 'webby']) {
      kv.put(key, Buffer.from(''));
    }
    expect(kv.keys('web/', '/')).toEqual(['web/bar', 'web/foo', 'web/sub/']);
    expect(kv.keys('web')).toEqual(['web/bar', 'web/foo', 'web/sub/x', 'web/sub/y', 'webby']);
  });

  it('when a prefix is deleted recursively, then its index moves past every entry it had', () => {
    const { kv } = fresh();
    kv.put('p/a', Buffer.from('1'));
    kv.put('p/b', Buffer.from('1'));
    kv.put('q', Buffer.from('1'));
    const before = kv.indexFor('p/', true);
    kv.delete('p/', { recurse: true });
    expect(kv.list('p/')).toEqual([]);
    expect(kv.get('q')).toBeDefined();
    expect(kv.indexFor('p/', true)).toBeGreaterThan(before);
    expect(kv.indexFor('p/a', false)).toBe(kv.indexFor('p/', true));
  });

  it('when another key changes, then a single key index does not move', () => {
    const { kv } = fresh();
    kv.put('mine', Buffer.from('1'));
    const before = kv.indexFor('mine', false);
    kv.put('theirs', Buffer.from('1'));
    expect(kv.indexFor('mine', false)).toBe(before);
  });

  it('when a value exceeds 512 KB, then it is refused with 413', () => {
    const { kv } = fresh();
    expect(() => kv.put('big', Buffer.alloc(512 * 1024 + 1))).toThrow(/too large/);
  });
});
