import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsulTarget, externalAddr, startTarget, unique } from './harness.js';

// Against an external server this needs one that enforces ACLs (default policy deny) and a
// management token in CONSUL_HTTP_TOKEN; the double is started with ACLs on.
const enforcing = !externalAddr || Boolean(process.env.CONSUL_HTTP_TOKEN);

describe.skipIf(!enforcing)('ACL enforcement', () => {
  let target: ConsulTarget;
  beforeAll(async () => {
    target = await startTarget({ aclToken: `mgmt-${unique('token')}` });
  });
  afterAll(async () => {
    await target?.stop();
  });

  it('when no token is sent, then a KV read is 403 with a text/plain "Permission denied" body', async () => {
    const key = `${unique('acl')}/secret`;
    const res = await fetch(`${target.url}/v1/kv/${key}`);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await res.text()).toMatch(/^Permission denied/);
  });

  it('when no token is sent, then registering a service is 403', async () => {
    const res = await fetch(`${target.url}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: unique('acl') }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/^Permission denied/);
  });

  it('when an unknown token is sent, then 403 "ACL not found"', async () => {
    const res = await fetch(`${target.url}/v1/kv/${unique('acl')}`, {
      headers: { 'X-Consul-Token': '6b9c2a3e-0000-4000-8000-000000000000' },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('ACL not found');
  });

  it('when the management token is sent as a bearer token, then the same request succeeds', async () => {
    const key = `${unique('acl')}/ok`;
    const put = await fetch(`${target.url}/v1/kv/${key}`, {
      method: 'PUT',
      body: 'v',
      headers: { Authorization: `Bearer ${target.token!}` },
    });
    expect(await put.json()).toBe(true);
    expect(await target.client.kv.get(key)).toMatchObject({ Value: 'v' });
    await target.client.kv.del(key);
  });
});
