import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { unique, useTarget } from './harness.js';

const target = useTarget();

interface KvItem {
  Key: string;
  Value: string | null;
  Flags: number;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
}

/**
 * The npm client (through papi) resolves a JSON `false` body as undefined, so refused CAS
 * writes are checked on the wire here, where Consul's `false` is visible.
 */
async function wire(method: 'PUT' | 'DELETE', path: string, body?: string): Promise<unknown> {
  const res = await target.fetch(`/v1/kv/${path}`, { method, body });
  expect(res.status).toBe(200);
  return res.json();
}

function prefix(): string {
  const p = `${unique('kv')}/`;
  target.onCleanup(() => target.client.kv.del({ key: p, recurse: true }));
  return p;
}

describe('KV', () => {
  it('when a key is written, then it reads back decoded, with indexes and flags, and raw returns the bare value', async () => {
    const p = prefix();
    expect(await target.client.kv.set(`${p}a`, 'hello', { flags: 42 } as never)).toBe(true);
    const item = (await target.client.kv.get(`${p}a`)) as KvItem;
    expect(item).toMatchObject({ Key: `${p}a`, Value: 'hello', Flags: 42, LockIndex: 0 });
    expect(item.ModifyIndex).toBe(item.CreateIndex);
    const raw = await target.fetch(`/v1/kv/${p}a?raw`);
    expect(await raw.text()).toBe('hello');
    const wire = (await (await target.fetch(`/v1/kv/${p}a`)).json()) as KvItem[];
    expect(wire).toHaveLength(1);
    expect(wire[0]?.Value).toBe(Buffer.from('hello').toString('base64'));
  });

  it('when a key is missing, then GET is 404 (the client resolves undefined) with X-Consul-Index set', async () => {
    const p = prefix();
    expect(await target.client.kv.get(`${p}missing`)).toBeUndefined();
    const res = await target.fetch(`/v1/kv/${p}missing`);
    expect(res.status).toBe(404);
    expect(Number(res.headers.get('x-consul-index'))).toBeGreaterThan(0);
  });

  it('when cas=0, then only a missing key is created; a failed cas is 200 false', async () => {
    const p = prefix();
    expect(await target.client.kv.set(`${p}once`, 'first', { cas: 0 } as never)).toBe(true);
    expect(await wire('PUT', `${p}once?cas=0`, 'second')).toBe(false);
    expect(await target.client.kv.set(`${p}once`, 'third', { cas: 0 } as never)).not.toBe(true);
    expect(((await target.client.kv.get(`${p}once`)) as KvItem).Value).toBe('first');
  });

  it('when cas=N, then writes and deletes need ModifyIndex N', async () => {
    const p = prefix();
    await target.client.kv.set(`${p}k`, 'v1');
    const { ModifyIndex, CreateIndex } = (await target.client.kv.get(`${p}k`)) as KvItem;
    expect(await wire('PUT', `${p}k?cas=${ModifyIndex + 1000}`, 'stale')).toBe(false);
    expect(await target.client.kv.set(`${p}k`, 'v2', { cas: ModifyIndex } as never)).toBe(true);
    const updated = (await target.client.kv.get(`${p}k`)) as KvItem;
    expect(updated).toMatchObject({ Value: 'v2', CreateIndex });
    expect(updated.ModifyIndex).toBeGreaterThan(ModifyIndex);
    expect(await wire('DELETE', `${p}k?cas=${ModifyIndex}`)).toBe(false);
    expect(await target.client.kv.del({ key: `${p}k`, cas: updated.ModifyIndex })).toBe(true);
    expect(await target.client.kv.get(`${p}k`)).toBeUndefined();
  });

  it('when reading a prefix with recurse, keys and separator, then the tree is listed as Consul lists it', async () => {
    const p = prefix();
    for (const key of ['web/foo', 'web/bar', 'web/sub/x', 'web/sub/y', 'other']) {
      await target.client.kv.set(`${p}${key}`, key);
    }
    const all = (await target.client.kv.get({ key: `${p}web/`, recurse: true })) as KvItem[];
    expect(all.map((i) => i.Key)).toEqual(
      ['web/bar', 'web/foo', 'web/sub/x', 'web/sub/y'].map((k) => `${p}${k}`),
    );
    expect(all.map((i) => i.Value)).toEqual(['web/bar', 'web/foo', 'web/sub/x', 'web/sub/y']);
    expect(await target.client.kv.keys({ key: `${p}web/`, separator: '/' })).toEqual(
      ['web/bar', 'web/foo', 'web/sub/'].map((k) => `${p}${k}`),
    );
    expect(await target.client.kv.keys(`${p}`)).toHaveLength(5);
    expect(await target.client.kv.del({ key: `${p}web/`, recurse: true })).toBe(true);
    expect(await target.client.kv.keys(`${p}`)).toEqual([`${p}other`]);
  });

  it('when an empty value is stored, then Value is null on the wire', async () => {
    const p = prefix();
    await target.client.kv.set(`${p}empty`, '');
    const wire = (await (await target.fetch(`/v1/kv/${p}empty`)).json()) as KvItem[];
    expect(wire[0]?.Value).toBeNull();
  });
});

describe('KV blocking queries', () => {
  async function blockedReadWakesAfterWrite(key: string): Promise<number> {
    // papi only honours ctx options on an EventEmitter.
    const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
    const [res] = (await target.client.kv.get({ key, ctx } as never)) as unknown as [
      { headers: Record<string, string> },
    ];
    const index = res.headers['x-consul-index'];
    let wokeAt = 0;
    const blocked = target.client.kv.get({ key, index, wait: '20s' } as never).then((item) => {
      wokeAt = Date.now();
      return item as unknown as KvItem;
    });
    // Give the blocking request time to reach the server and park.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(wokeAt).toBe(0);
    const value = `v-${Date.now()}`;
    const writeStartedAt = Date.now();
    await target.client.kv.set(key, value);
    const item = await blocked;
    expect(item.Value).toBe(value);
    return wokeAt - writeStartedAt;
  }

  it('when a key changes while a read blocks on it, then the read returns within 100 ms of the write', async () => {
    const p = prefix();
    await target.client.kv.set(`${p}watched`, 'v0');
    // Best of three so one scheduling hiccup on a loaded machine does not fail the contract;
    // a server that polls or ignores the write misses 100 ms every time.
    const latencies: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      latencies.push(await blockedReadWakesAfterWrite(`${p}watched`));
      if (latencies.at(-1)! < 100) break;
    }
    expect(Math.min(...latencies), `latencies: ${latencies.join(', ')} ms`).toBeLessThan(100);
  });

  it('when an unrelated key changes, then a blocking read on another key keeps waiting', async () => {
    const p = prefix();
    await target.client.kv.set(`${p}mine`, 'v0');
    const first = await target.fetch(`/v1/kv/${p}mine`);
    const index = first.headers.get('x-consul-index');
    const started = Date.now();
    const blocked = target.fetch(`/v1/kv/${p}mine?index=${index}&wait=1s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await target.client.kv.set(`${p}theirs`, 'x');
    const res = await blocked;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(res.headers.get('x-consul-index')).toBe(index);
  });

  it('when a prefix is read recursively and a key under it is deleted, then the blocked read wakes', async () => {
    const p = prefix();
    await target.client.kv.set(`${p}a`, '1');
    await target.client.kv.set(`${p}b`, '1');
    const first = await target.fetch(`/v1/kv/${p}?recurse`);
    const index = Number(first.headers.get('x-consul-index'));
    const blocked = target.fetch(`/v1/kv/${p}?recurse&index=${index}&wait=20s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await target.client.kv.del(`${p}a`);
    const res = await blocked;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(Number(res.headers.get('x-consul-index'))).toBeGreaterThan(index);
    expect(((await res.json()) as KvItem[]).map((i) => i.Key)).toEqual([`${p}b`]);
  });
});
