import { describe, expect, it } from 'vitest';
import { healthOf, registerService, startTarget, unique, useTarget } from './harness.js';

/**
 * Request semantics that clients written elsewhere rely on: percent-decoded path parameters,
 * KV's missing-key / root-listing / conflicting-flag answers (agent/kvs_endpoint.go), sessions
 * and locks (agent/session_endpoint.go, state/kvs.go), and the X-Consul-* headers of blocking
 * reads (agent/http.go setMeta).
 */
const target = useTarget();

/** Every character of `text` percent-encoded, so nothing reaches the server in clear. */
const encodeAll = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

function kvPrefix(): string {
  const p = `${unique('kvsem')}/`;
  target.onCleanup(() => target.fetch(`/v1/kv/${p}?recurse`, { method: 'DELETE' }));
  return p;
}

async function createSession(body: Record<string, unknown> = {}): Promise<string> {
  const res = await target.fetch('/v1/session/create', {
    method: 'PUT',
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  const { ID } = (await res.json()) as { ID: string };
  target.onCleanup(() => target.fetch(`/v1/session/destroy/${ID}`, { method: 'PUT' }));
  return ID;
}

describe('percent-encoded path parameters (C1)', () => {
  it('when a check, service or name is percent-encoded in the path, then Consul decodes it: pass, health and deregister act on the decoded ID', async () => {
    const name = unique('enc');
    const id = await registerService(target, {
      name,
      check: { name: 'ttl', ttl: '30s', timeout: '' },
    });
    const pass = await target.fetch(`/v1/agent/check/pass/${encodeURIComponent(`service:${id}`)}`, {
      method: 'PUT',
    });
    expect(pass.status).toBe(200);
    const byEncodedName = await target.fetch(`/v1/health/service/${encodeAll(name)}`);
    const entries = (await byEncodedName.json()) as {
      Checks: { CheckID: string; Status: string }[];
    }[];
    expect(entries).toHaveLength(1);
    expect(entries[0]?.Checks.find((c) => c.CheckID === `service:${id}`)?.Status).toBe('passing');
    const catalog = await target.fetch(`/v1/catalog/service/${encodeAll(name)}`);
    expect(await catalog.json()).toHaveLength(1);

    const deregister = await target.fetch(`/v1/agent/service/deregister/${encodeAll(id)}`, {
      method: 'PUT',
    });
    expect(deregister.status).toBe(200);
    expect(await healthOf(target, name)).toEqual([]);
  });

  it('when a KV key is percent-encoded, then it is the decoded key (and %2F is a slash)', async () => {
    const p = kvPrefix();
    const put = await target.fetch(`/v1/kv/${p}a${encodeURIComponent('/b c')}`, {
      method: 'PUT',
      body: 'v',
    });
    expect(await put.json()).toBe(true);
    const keys = await target.fetch(`/v1/kv/${p}?keys`);
    expect(await keys.json()).toEqual([`${p}a/b c`]);
  });
});

describe('agent request validation', () => {
  it('when check/update carries an unknown Status, then 400 naming it', async () => {
    const res = await target.fetch(`/v1/agent/check/update/${unique('none')}`, {
      method: 'PUT',
      body: JSON.stringify({ Status: 'green' }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^Invalid check status: 'green'\n?$/);
  });
});

describe('KV request validation', () => {
  it('when GET /v1/kv/ names no key and asks for no listing, then 400 "Missing key name" (C2)', async () => {
    const res = await target.fetch('/v1/kv/');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Missing key name');
    const put = await target.fetch('/v1/kv/', { method: 'PUT', body: 'x' });
    expect(put.status).toBe(400);
    expect(await put.text()).toContain('Missing key name');
    const del = await target.fetch('/v1/kv/', { method: 'DELETE' });
    expect(del.status).toBe(400);
    expect(await del.text()).toContain('Missing key name');
  });

  it('when ?keys lists the root, then it is 200 with an array even on an empty store; a missing non-root prefix is 404 (C3)', async () => {
    const fresh = await startTarget();
    try {
      const root = await fresh.fetch('/v1/kv/?keys');
      expect(root.status).toBe(200);
      const keys = (await root.json()) as unknown[];
      expect(Array.isArray(keys)).toBe(true);
      if (fresh.isDouble) expect(keys).toEqual([]);
      const missing = await fresh.fetch(`/v1/kv/${unique('none')}/?keys`);
      expect(missing.status).toBe(404);
    } finally {
      await fresh.stop();
    }
  });

  it('when DELETE combines recurse and cas, then 400 "Conflicting flags" and nothing is deleted (C4)', async () => {
    const p = kvPrefix();
    await target.fetch(`/v1/kv/${p}a`, { method: 'PUT', body: '1' });
    const res = await target.fetch(`/v1/kv/${p}?recurse&cas=1`, { method: 'DELETE' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^Conflicting flags: cas=1&recurse=/);
    expect((await target.fetch(`/v1/kv/${p}a`)).status).toBe(200);
  });

  it('when PUT combines cas with acquire, then 400 "Conflicting flags" and nothing is written', async () => {
    const p = kvPrefix();
    const session = await createSession();
    const res = await target.fetch(`/v1/kv/${p}a?cas=0&acquire=${session}`, {
      method: 'PUT',
      body: 'x',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^Conflicting flags: /);
    expect((await target.fetch(`/v1/kv/${p}a`)).status).toBe(404);
  });
});

describe('sessions and locks', () => {
  it('when a session is created without a body, then it has the defaults: this node, serfHealth, release, 15s lock delay', async () => {
    const id = await createSession();
    const res = await target.fetch(`/v1/session/info/${id}`);
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('x-consul-index'))).toBeGreaterThan(0);
    const [info] = (await res.json()) as Record<string, unknown>[];
    expect(info).toMatchObject({
      ID: id,
      Behavior: 'release',
      LockDelay: 15_000_000_000,
      NodeChecks: ['serfHealth'],
      TTL: '',
    });
    const list = (await (await target.fetch('/v1/session/list')).json()) as { ID: string }[];
    expect(list.map((s) => s.ID)).toContain(id);
    const node = String(info?.['Node']);
    const byNode = (await (await target.fetch(`/v1/session/node/${node}`)).json()) as {
      ID: string;
    }[];
    expect(byNode.map((s) => s.ID)).toContain(id);
  });

  it('when two sessions race for a key, then one acquires it, the other is refused until release, and LockIndex counts acquisitions', async () => {
    const p = kvPrefix();
    const a = await createSession();
    const b = await createSession();
    const put = (query: string, body: string) =>
      target.fetch(`/v1/kv/${p}leader?${query}`, { method: 'PUT', body }).then((r) => r.json());
    expect(await put(`acquire=${a}`, 'a')).toBe(true);
    expect(await put(`acquire=${b}`, 'b')).toBe(false);
    expect(await put(`release=${b}`, 'b')).toBe(false);
    const [held] = (await (await target.fetch(`/v1/kv/${p}leader`)).json()) as {
      Session?: string;
      LockIndex: number;
      Value: string;
    }[];
    expect(held).toMatchObject({ Session: a, LockIndex: 1 });
    expect(Buffer.from(held?.Value ?? '', 'base64').toString()).toBe('a');
    expect(await put(`release=${a}`, 'a2')).toBe(true);
    const [released] = (await (await target.fetch(`/v1/kv/${p}leader`)).json()) as {
      Session?: string;
      LockIndex: number;
    }[];
    expect(released?.Session).toBeUndefined();
    expect(released?.LockIndex).toBe(1);
    expect(await put(`acquire=${b}`, 'b')).toBe(true);
  });

  it('when the holder is destroyed, then its key is released and the lock delay refuses other sessions', async () => {
    const p = kvPrefix();
    const a = await createSession({ LockDelay: '15s' });
    const b = await createSession();
    await target.fetch(`/v1/kv/${p}lock?acquire=${a}`, { method: 'PUT', body: 'a' });
    const destroyed = await target.fetch(`/v1/session/destroy/${a}`, { method: 'PUT' });
    expect(await destroyed.json()).toBe(true);
    const [entry] = (await (await target.fetch(`/v1/kv/${p}lock`)).json()) as {
      Session?: string;
    }[];
    expect(entry?.Session).toBeUndefined();
    const retry = await target.fetch(`/v1/kv/${p}lock?acquire=${b}`, { method: 'PUT', body: 'b' });
    expect(await retry.json()).toBe(false);
    expect(await (await target.fetch(`/v1/session/info/${a}`)).json()).toEqual([]);
  });

  it('when a delete-behaviour session is destroyed, then the keys it holds are deleted', async () => {
    const p = kvPrefix();
    const a = await createSession({ Behavior: 'delete', LockDelay: '0s' });
    await target.fetch(`/v1/kv/${p}eph?acquire=${a}`, { method: 'PUT', body: 'x' });
    await target.fetch(`/v1/session/destroy/${a}`, { method: 'PUT' });
    expect((await target.fetch(`/v1/kv/${p}eph`)).status).toBe(404);
  });

  it('when a session is invalid or unknown, then Consul refuses it: bad TTL or behaviour (500), unknown renew (404), unknown acquire (500)', async () => {
    const ttl = await target.fetch('/v1/session/create', {
      method: 'PUT',
      body: JSON.stringify({ TTL: '5s' }),
    });
    expect(ttl.status).toBe(500);
    expect(await ttl.text()).toContain('Invalid Session TTL');
    const behavior = await target.fetch('/v1/session/create', {
      method: 'PUT',
      body: JSON.stringify({ Behavior: 'keep' }),
    });
    expect(behavior.status).toBe(500);
    expect(await behavior.text()).toContain("Invalid Behavior setting 'keep'");
    const missing = '00000000-0000-4000-8000-000000000000';
    const renew = await target.fetch(`/v1/session/renew/${missing}`, { method: 'PUT' });
    expect(renew.status).toBe(404);
    expect(await renew.text()).toContain(`Session id '${missing}' not found`);
    const p = kvPrefix();
    const acquire = await target.fetch(`/v1/kv/${p}x?acquire=${missing}`, {
      method: 'PUT',
      body: 'x',
    });
    expect(acquire.status).toBe(500);
    expect((await acquire.text()).toLowerCase()).toContain('invalid session');
  });

  it('when a TTL session is renewed, then renew answers the session', async () => {
    const id = await createSession({ TTL: '30s' });
    const res = await target.fetch(`/v1/session/renew/${id}`, { method: 'PUT' });
    expect(res.status).toBe(200);
    const [session] = (await res.json()) as { ID: string; TTL: string }[];
    expect(session).toMatchObject({ ID: id, TTL: '30s' });
  });
});

describe('headers of blocking-capable reads', () => {
  it.each([
    ['/v1/catalog/services'],
    ['/v1/health/state/any'],
    ['/v1/session/list'],
    ['/v1/kv/?keys'],
  ])(
    'when %s is read, then X-Consul-Index, X-Consul-KnownLeader and X-Consul-LastContact are set',
    async (path) => {
      const res = await target.fetch(path);
      expect(res.status).toBe(200);
      expect(Number(res.headers.get('x-consul-index'))).toBeGreaterThan(0);
      expect(res.headers.get('x-consul-knownleader')).toBe('true');
      expect(res.headers.get('x-consul-lastcontact')).toMatch(/^\d+$/);
    },
  );
});
