import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVaultTarget, type VaultTarget } from './harness.js';

/**
 * Request semantics clients written elsewhere rely on, each checked against Vault's source:
 * required fields (transit path_encrypt.go), the KV v2 invalid-path warning (kv plugin
 * backend.go pathInvalid), KV v1 lease durations (passthrough.go handleRead), `?help`
 * (http/help.go), mount-type aliases (vault/mount.go mountAliases, logical_system.go
 * handleMount), sys/init, sys/leader, sys/remount, PATCH's Content-Type (http/logical.go),
 * Cache-Control (http/handler.go), and names that collide with JavaScript's Object.prototype.
 */
let target: VaultTarget;

beforeAll(async () => {
  target = await openVaultTarget();
});
afterAll(async () => {
  await target?.close();
});

interface Envelope {
  data: Record<string, unknown> | null;
  warnings: string[] | null;
  errors?: string[];
  lease_duration: number;
}

const json = async (res: Response): Promise<Envelope> => (await res.json()) as Envelope;
const post = (path: string, body: unknown) =>
  target.fetch(path, { method: 'POST', body: JSON.stringify(body) });

async function mount(name: string, body: Record<string, unknown>): Promise<string> {
  const path = target.uniquePath(name);
  const res = await post(`sys/mounts/${path}`, body);
  expect(res.status).toBe(204);
  return path;
}

/** Vault's dev server default (and maximum) lease TTL, 768h. */
const SYSTEM_DEFAULT_LEASE = 768 * 3600;

describe('required fields (V1)', () => {
  it('when transit/encrypt gets no `plaintext` (a misspelt plainText), then 400 naming it and no key is upserted', async () => {
    const transit = await mount('transit', { type: 'transit' });
    const res = await post(`${transit}/encrypt/k`, { plainText: 'aGk=' });
    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual(['missing plaintext to encrypt']);
    expect((await target.fetch(`${transit}/keys/k`)).status).toBe(404);
  });

  it('when transit/encrypt gets an empty batch, then 400 "missing batch input to process"', async () => {
    const transit = await mount('transit', { type: 'transit' });
    const res = await post(`${transit}/encrypt/k`, { batch_input: [] });
    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual(['missing batch input to process']);
  });

  it('when a mount or remount names no type or path, then 400 with the message Vault uses', async () => {
    const noType = await post(`sys/mounts/${target.uniquePath('nt')}`, {});
    expect(noType.status).toBe(400);
    expect((await json(noType)).errors).toEqual(['backend type must be specified as a string']);
    const remount = await post('sys/remount', { from: 'secret' });
    expect(remount.status).toBe(400);
    expect((await json(remount)).errors).toEqual([
      "both 'from' and 'to' path must be specified as a string",
    ]);
  });
});

describe('error shapes and path parameters', () => {
  it('when a path inside a mount matches nothing, then 404 with the multierror text of ErrUnsupportedPath', async () => {
    const transit = await mount('transit', { type: 'transit' });
    const res = await target.fetch(`${transit}/nothing-here`);
    expect(res.status).toBe(404);
    expect((await json(res)).errors).toEqual(['1 error occurred:\n\t* unsupported path\n\n']);
  });

  it("when a sys/ path has no handler, then 404 with the system backend's unsupported path", async () => {
    const res = await target.fetch('sys/ct-no-such-endpoint');
    expect(res.status).toBe(404);
    expect((await json(res)).errors).toEqual(['1 error occurred:\n\t* unsupported path\n\n']);
  });

  it('when a percent-encoded transit key name decodes to a character names may not hold, then it is an unsupported path', async () => {
    const transit = await mount('transit', { type: 'transit' });
    const res = await post(`${transit}/keys/${encodeURIComponent('a b')}`, {});
    expect(res.status).toBe(404);
    const ok = await post(`${transit}/keys/${encodeURIComponent('a-b.c@d')}`, {});
    expect(ok.status).toBeLessThan(300);
  });

  it('when auth/token/revoke names no token, then 400 "missing token ID"', async () => {
    const res = await post('auth/token/revoke', {});
    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual(['missing token ID']);
  });
});

describe('KV v2 paths outside the versioned layout (V2)', () => {
  it.each([
    ['GET', 'get'],
    ['POST', 'put'],
    ['PATCH', 'patch'],
    ['DELETE', 'delete'],
  ])(
    'when %s reaches a v1-style path, then 404 with the warning and no errors',
    async (method, verb) => {
      const kv = await mount('kv2', { type: 'kv', options: { version: '2' } });
      const res = await target.fetch(`${kv}/hello`, {
        method,
        ...(method === 'GET' || method === 'DELETE' ? {} : { body: JSON.stringify({ a: 1 }) }),
        ...(method === 'PATCH'
          ? { headers: { 'Content-Type': 'application/merge-patch+json' } }
          : {}),
      });
      expect(res.status).toBe(404);
      const body = await json(res);
      expect(body.errors).toBeUndefined();
      expect(body.data).toBeNull();
      expect(body.warnings).toEqual([
        `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${verb}' for this operation.`,
      ]);
    },
  );

  it('when the bare data/ root is read, then 404 with the root warning', async () => {
    const kv = await mount('kv2', { type: 'kv', options: { version: '2' } });
    const res = await target.fetch(`${kv}/data`);
    expect(res.status).toBe(404);
    expect((await json(res)).warnings).toEqual([
      'Non-listing operations on the root of a K/V v2 mount are not supported.',
    ]);
  });

  it('when PATCH comes without the merge-patch Content-Type, then 415 naming the one required', async () => {
    const kv = await mount('kv2', { type: 'kv', options: { version: '2' } });
    const res = await target.fetch(`${kv}/data/x`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: { a: 1 } }),
    });
    expect(res.status).toBe(415);
    expect((await json(res)).errors).toEqual([
      'PATCH requires Content-Type of application/merge-patch+json, provided application/json',
    ]);
  });
});

describe('KV v1 lease_duration (V3, V4)', () => {
  const leaseOf = async (kv: string, secret: Record<string, unknown>): Promise<Envelope> => {
    expect((await post(`${kv}/s`, secret)).status).toBe(204);
    const res = await target.fetch(`${kv}/s`);
    expect(res.status).toBe(200);
    return json(res);
  };

  it('when a secret has `ttl`, then lease_duration is it; else `lease`; else the mount default', async () => {
    const kv = await mount('kv1', { type: 'kv' });
    expect((await leaseOf(kv, { a: 1, ttl: '30m', lease: '2h' })).lease_duration).toBe(1800);
    expect((await leaseOf(kv, { a: 1, lease: '2h' })).lease_duration).toBe(7200);
    expect((await leaseOf(kv, { a: 1 })).lease_duration).toBe(SYSTEM_DEFAULT_LEASE);
    const tuned = await mount('kv1', { type: 'kv', config: { default_lease_ttl: '1h' } });
    expect((await leaseOf(tuned, { a: 1 })).lease_duration).toBe(3600);
  });

  it('when a stored ttl does not parse, then the secret is returned and the bad ttl ignored', async () => {
    const kv = await mount('kv1', { type: 'kv' });
    const body = await leaseOf(kv, { a: 1, ttl: 'abc' });
    expect(body.data).toEqual({ a: 1, ttl: 'abc' });
    expect(body.lease_duration).toBe(SYSTEM_DEFAULT_LEASE);
  });
});

describe('?help=1 (V5)', () => {
  it('when a request carries help=1, then it answers help text and performs nothing', async () => {
    const kv = await mount('kv1', { type: 'kv' });
    const del = await target.fetch(`sys/mounts/${kv}?help=1`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(typeof ((await del.json()) as { help?: unknown }).help).toBe('string');
    const mounts = (await (await target.fetch('sys/mounts')).json()) as { data: object };
    expect(Object.keys(mounts.data)).toContain(`${kv}/`);
    const write = await target.fetch(`${kv}/x?help=1`, { method: 'POST', body: '{"a":1}' });
    expect(write.status).toBe(200);
    expect((await target.fetch(`${kv}/x`)).status).toBe(404);
  });

  it('when help is asked without a token, then 403 like any request', async () => {
    const res = await target.fetch('sys/mounts?help=1', { token: null });
    expect(res.status).toBe(403);
  });
});

describe('mount-type aliases (V6)', () => {
  it('when a mount asks for type "generic", then it is KV v1 listed as generic', async () => {
    const kv = await mount('generic', { type: 'generic' });
    const mounts = (await (await target.fetch('sys/mounts')).json()) as {
      data: Record<string, { type: string }>;
    };
    expect(mounts.data[`${kv}/`]?.type).toBe('generic');
    expect((await post(`${kv}/s`, { a: 1 })).status).toBe(204);
    expect((await json(await target.fetch(`${kv}/s`))).data).toEqual({ a: 1 });
  });

  it('when kv-v1 / kv-v2 are asked for, then they are kv with that version; another type with a version is refused', async () => {
    const v1 = await mount('kvv1', { type: 'kv-v1' });
    const v2 = await mount('kvv2', { type: 'kv-v2' });
    const mounts = (await (await target.fetch('sys/mounts')).json()) as {
      data: Record<string, { type: string; options: Record<string, string> | null }>;
    };
    expect(mounts.data[`${v1}/`]).toMatchObject({ type: 'kv', options: { version: '1' } });
    expect(mounts.data[`${v2}/`]).toMatchObject({ type: 'kv', options: { version: '2' } });
    const bad = await post(`sys/mounts/${target.uniquePath('tv')}`, {
      type: 'transit',
      options: { version: '2' },
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors).toEqual([
      'secrets engine "transit" does not allow setting a version',
    ]);
  });
});

describe('sys/init, sys/leader, sys/remount', () => {
  it('when sys/init is read without a token, then initialized is true; initializing again is 400', async () => {
    const res = await target.fetch('sys/init', { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ initialized: true });
    const again = await target.fetch('sys/init', {
      method: 'PUT',
      token: null,
      body: JSON.stringify({ secret_shares: 1, secret_threshold: 1 }),
    });
    expect(again.status).toBe(400);
    expect((await json(again)).errors).toEqual(['Vault is already initialized']);
  });

  it('when sys/leader is read without a token, then it answers the leader status', async () => {
    const res = await target.fetch('sys/leader', { token: null });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(typeof body['ha_enabled']).toBe('boolean');
    expect(body).toHaveProperty('leader_address');
    expect(body).toHaveProperty('performance_standby', false);
  });

  it('when a mount is remounted, then its secrets answer at the new path and the migration reports success', async () => {
    const from = await mount('from', { type: 'kv' });
    const to = target.uniquePath('to');
    await post(`${from}/s`, { a: 1 });
    const res = await post('sys/remount', { from, to });
    expect(res.status).toBe(200);
    const id = String((await json(res)).data?.['migration_id']);
    const deadline = Date.now() + 10_000;
    let status = '';
    while (status !== 'success' && Date.now() < deadline) {
      const info = await json(await target.fetch(`sys/remount/status/${id}`));
      status = String((info.data?.['migration_info'] as { status?: string } | undefined)?.status);
      if (status === 'failure') break;
      if (status !== 'success') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('success');
    expect((await json(await target.fetch(`${to}/s`))).data).toEqual({ a: 1 });
    expect((await target.fetch(`${from}/s`)).status).toBe(404);
  });
});

describe('headers', () => {
  it.each([['sys/health'], ['sys/mounts'], ['secret/data/ct-missing']])(
    'when %s is answered, then Cache-Control is no-store',
    async (path) => {
      const res = await target.fetch(path);
      expect(res.headers.get('cache-control')).toBe('no-store');
    },
  );
});

describe('names that are Object.prototype properties (F16)', () => {
  const NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

  it.each(NAMES)(
    'when KV v1, KV v2 and transit store "%s", then it is an ordinary name',
    async (name) => {
      const v1 = await mount('kv1', { type: 'kv' });
      expect((await target.fetch(`${v1}/${name}`)).status).toBe(404);
      expect((await post(`${v1}/${name}`, { a: 1 })).status).toBe(204);
      expect((await json(await target.fetch(`${v1}/${name}`))).data).toEqual({ a: 1 });
      const list = await target.fetch(`${v1}?list=true`);
      expect((await json(list)).data?.['keys']).toEqual([name]);

      const v2 = await mount('kv2', { type: 'kv', options: { version: '2' } });
      expect((await target.fetch(`${v2}/data/${name}`)).status).toBe(404);
      expect((await target.fetch(`${v2}/metadata/${name}`)).status).toBe(404);
      expect((await post(`${v2}/metadata/${name}`, { max_versions: 3 })).status).toBe(204);
      expect((await post(`${v2}/data/${name}`, { data: { a: 1 } })).status).toBe(200);
      const meta = await json(await target.fetch(`${v2}/metadata/${name}`));
      expect(meta.data).toMatchObject({ max_versions: 3, current_version: 1 });
      const other = await post(`${v2}/data/other-${name}`, { data: { b: 2 } });
      expect(other.status).toBe(200);

      const transit = await mount('transit', { type: 'transit' });
      expect((await target.fetch(`${transit}/keys/${name}`)).status).toBe(404);
      expect((await post(`${transit}/keys/${name}`, {})).status).toBeLessThan(300);
      const sealed = await json(await post(`${transit}/encrypt/${name}`, { plaintext: 'aGk=' }));
      const opened = await json(
        await post(`${transit}/decrypt/${name}`, { ciphertext: sealed.data?.['ciphertext'] }),
      );
      expect(opened.data?.['plaintext']).toBe('aGk=');

      if (target.isDouble) {
        // The double runs in this process: nothing may have reached Object.prototype.
        expect(Object.keys(Object.prototype)).toEqual([]);
        expect(({} as Record<string, unknown>)['maxVersions']).toBeUndefined();
      }
    },
  );

  it.each(NAMES)(
    'when a role, AppRole secret id or mount type is "%s", then it is unknown, not inherited',
    async (name) => {
      const pki = await mount('pki', { type: 'pki' });
      expect((await target.fetch(`${pki}/roles/${name}`)).status).toBe(404);
      const approle = target.uniquePath('approle');
      await target.client.enableAuth({ mount_point: approle, type: 'approle' });
      expect((await target.fetch(`auth/${approle}/role/${name}`)).status).toBe(404);
      await post(`auth/${approle}/role/r`, { token_ttl: '1m' });
      const roleId = (await json(await target.fetch(`auth/${approle}/role/r/role-id`))).data?.[
        'role_id'
      ];
      const login = await target.fetch(`auth/${approle}/login`, {
        method: 'POST',
        token: null,
        body: JSON.stringify({ role_id: roleId, secret_id: name }),
      });
      expect(login.status).toBe(400);
      const jwt = target.uniquePath('jwt');
      await target.client.enableAuth({ mount_point: jwt, type: 'jwt' });
      expect((await target.fetch(`auth/${jwt}/role/${name}`)).status).toBe(404);
      const badType = await post(`sys/mounts/${target.uniquePath('bt')}`, { type: name });
      expect(badType.status).toBe(400);
    },
  );
});
