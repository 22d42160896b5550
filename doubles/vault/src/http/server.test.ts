import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDouble, type TestDouble } from '../../test/http-double.js';

let v: TestDouble;
beforeAll(async () => {
  v = await startTestDouble();
});
afterAll(async () => {
  await v.stop();
});

const DENIED = '1 error occurred:\n\t* permission denied\n\n';

describe('HTTP core', () => {
  it('when a read succeeds, then every envelope field is present', async () => {
    const res = await v.call('GET', 'auth/token/lookup-self');
    expect(res.status).toBe(200);
    for (const key of [
      'request_id',
      'lease_id',
      'renewable',
      'lease_duration',
      'data',
      'wrap_info',
      'warnings',
      'auth',
      'mount_type',
    ]) {
      expect(res.body).toHaveProperty(key);
    }
    expect(res.body.data.policies).toEqual(['root']);
  });

  it('when no token, an unknown token, or a Bearer token is sent, then only valid ones pass', async () => {
    expect((await v.call('GET', 'secret/data/x', { token: null })).body).toEqual({
      errors: [DENIED],
    });
    const bad = await v.call('GET', 'secret/data/x', { token: 'hvs.nope' });
    expect(bad.status).toBe(403);
    const bearer = await fetch(`${v.url}/v1/auth/token/lookup-self`, {
      headers: { Authorization: `Bearer ${v.double.rootToken}` },
    });
    expect(bearer.status).toBe(200);
  });

  it('when PUT and POST write the same path, then both work as writes', async () => {
    expect(
      (await v.call('PUT', 'secret/data/put-post', { body: { data: { a: 1 } } })).body.data.version,
    ).toBe(1);
    expect(
      (await v.call('POST', 'secret/data/put-post', { body: { data: { a: 2 } } })).body.data
        .version,
    ).toBe(2);
  });

  it('when listing with the LIST verb or ?list=true, then both return keys; an empty list is 404 {"errors":[]}', async () => {
    await v.call('POST', 'secret/data/listing/a', { body: { data: { x: 1 } } });
    await v.call('POST', 'secret/data/listing/b/c', { body: { data: { x: 1 } } });
    const verb = await v.call('LIST', 'secret/metadata/listing');
    expect(verb.body.data.keys).toEqual(['a', 'b/']);
    const query = await v.call('GET', 'secret/metadata/listing/?list=true');
    expect(query.body.data.keys).toEqual(['a', 'b/']);
    const empty = await v.call('LIST', 'secret/metadata/nothing-here');
    expect(empty.status).toBe(404);
    expect(empty.body).toEqual({ errors: [] });
  });

  it('when a write returns no data, then the status is 204 with no body', async () => {
    const res = await v.call('PUT', 'sys/policies/acl/empty-204', {
      body: { policy: 'path "x" { capabilities = ["read"] }' },
    });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
  });

  it('when the body is not JSON, then 400 with an errors array', async () => {
    const res = await fetch(`${v.url}/v1/secret/data/x`, {
      method: 'POST',
      headers: { 'X-Vault-Token': 'root' },
      body: '{nope',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: string[] }).errors[0]).toContain(
      'failed to parse JSON input',
    );
  });

  it('when a response wrapping TTL is asked for, then 400 instead of an unwrapped secret', async () => {
    const res = await fetch(`${v.url}/v1/secret/data/wrapped`, {
      headers: { 'X-Vault-Token': v.double.rootToken, 'X-Vault-Wrap-TTL': '60s' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: string[] }).errors).toEqual([
      'response wrapping is not implemented by vault-double',
    ]);
  });

  it('when a path has no handler, then root gets 404 and others 403', async () => {
    const root = await v.call('GET', 'nowhere/at/all');
    expect(root.status).toBe(404);
    expect(root.body.errors[0]).toContain('no handler for route');
    const token = (await v.call('POST', 'auth/token/create', { body: { policies: ['default'] } }))
      .body.auth.client_token;
    expect((await v.call('GET', 'nowhere/at/all', { token })).status).toBe(403);
  });

  it('when the path does not start with /v1/, then 404', async () => {
    const res = await fetch(`${v.url}/v2/sys/health`);
    expect(res.status).toBe(404);
  });
});

describe('sys/health', () => {
  it('when called without a token, then 200 and the health JSON, not an envelope', async () => {
    const res = await v.call('GET', 'sys/health', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      initialized: true,
      sealed: false,
      standby: false,
      performance_standby: false,
    });
    expect(typeof res.body.server_time_utc).toBe('number');
    expect(res.body).not.toHaveProperty('request_id');
  });

  it('when activecode is given, then it becomes the status; standbyok is accepted', async () => {
    const res = await v.call('GET', 'sys/health?activecode=299&standbyok=true', { token: null });
    expect(res.status).toBe(299);
    expect(res.body.initialized).toBe(true);
  });

  it('when called with HEAD, then the status comes without a body', async () => {
    const res = await fetch(`${v.url}/v1/sys/health`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});

describe('sys/mounts', () => {
  it('when a kv v2 engine is mounted at a new path, then it is listed and usable, and gone after disable', async () => {
    expect(
      (
        await v.call('POST', 'sys/mounts/team-kv', {
          body: { type: 'kv', options: { version: '2' } },
        })
      ).status,
    ).toBe(204);
    const mounts = await v.call('GET', 'sys/mounts');
    expect(mounts.body.data['team-kv/']).toMatchObject({ type: 'kv', options: { version: '2' } });
    expect(mounts.body['team-kv/']).toBeDefined();
    expect((await v.call('POST', 'team-kv/data/a', { body: { data: { k: 'v' } } })).status).toBe(
      200,
    );
    expect((await v.call('DELETE', 'sys/mounts/team-kv')).status).toBe(204);
    expect((await v.call('GET', 'team-kv/data/a')).status).toBe(404);
  });

  it('when a mount would overlap an existing one or an unknown type is asked, then 400', async () => {
    expect((await v.call('POST', 'sys/mounts/secret/inner', { body: { type: 'kv' } })).status).toBe(
      400,
    );
    const unknown = await v.call('POST', 'sys/mounts/x-unknown', { body: { type: 'nosuch' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toContain('plugin not found');
  });

  it('when the longest mount prefix matches, then it serves the request', async () => {
    await v.call('POST', 'sys/mounts/nest', { body: { type: 'kv', options: { version: '1' } } });
    await v.call('POST', 'sys/mounts/nested', { body: { type: 'kv', options: { version: '2' } } });
    expect(
      (await v.call('POST', 'nested/data/a', { body: { data: { x: 1 } } })).body.data.version,
    ).toBe(1);
    expect((await v.call('POST', 'nest/a', { body: { x: 1 } })).status).toBe(204);
    expect((await v.call('GET', 'nest/a')).body.data).toEqual({ x: 1 });
  });
});
