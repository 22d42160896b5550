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

  describe('agent registration checks (agent/acl.go vetServiceRegisterWithAuthorizer, vetServiceUpdateWithAuthorizer)', () => {
    const asToken = (secret: string | undefined, path: string, body?: unknown) =>
      fetch(`${target.url}${path}`, {
        method: 'PUT',
        headers: secret === undefined ? {} : { 'X-Consul-Token': secret },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const tokenWriting = async (service: string) => {
      const rules = `service "${service}" { policy = "write" }\nservice_prefix "" { policy = "read" }`;
      const policy = await target.fetch('/v1/acl/policy', {
        method: 'PUT',
        body: JSON.stringify({
          Name: unique('ct-pol').replace(/[^A-Za-z0-9_-]/g, '-'),
          Rules: rules,
        }),
      });
      expect(policy.status).toBe(200);
      const { ID } = (await policy.json()) as { ID: string };
      const token = await target.fetch('/v1/acl/token', {
        method: 'PUT',
        body: JSON.stringify({ Policies: [{ ID }] }),
      });
      expect(token.status).toBe(200);
      return ((await token.json()) as { SecretID: string }).SecretID;
    };
    const victim = async () => {
      const name = unique('victim');
      const id = `${name}-1`;
      const put = await target.fetch('/v1/agent/service/register', {
        method: 'PUT',
        body: JSON.stringify({ Name: name, ID: id, Port: 6379 }),
      });
      expect(put.status).toBe(200);
      target.onCleanup(() => target.fetch(`/v1/agent/service/deregister/${id}`, { method: 'PUT' }));
      return { name, id };
    };
    const portsOf = async (name: string) =>
      (
        (await (await target.fetch(`/v1/catalog/service/${name}`)).json()) as {
          ServicePort: number;
        }[]
      ).map((s) => s.ServicePort);

    it("when a token that writes only its own service reuses another service's instance ID, then 403 and that instance stays", async () => {
      const { name, id } = await victim();
      const own = unique('own');
      const secret = await tokenWriting(own);
      const res = await asToken(secret, '/v1/agent/service/register', {
        Name: own,
        ID: id,
        Port: 1,
      });
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(
        new RegExp(`^Permission denied: .*'service:write' on "${name}"`),
      );
      expect(await portsOf(name)).toEqual([6379]);
    });

    it("when a token that writes only its own service deregisters another service's instance, then 403 and it stays", async () => {
      const { name, id } = await victim();
      const secret = await tokenWriting(unique('own'));
      const res = await asToken(secret, `/v1/agent/service/deregister/${id}`);
      expect(res.status).toBe(403);
      expect(await portsOf(name)).toEqual([6379]);
    });

    it('when a token registers a connect-proxy for a service it may not write, then 403', async () => {
      const { name } = await victim();
      const proxy = unique('proxy');
      const secret = await tokenWriting(proxy);
      const res = await asToken(secret, '/v1/agent/service/register', {
        Name: proxy,
        Kind: 'connect-proxy',
        Port: 21000,
        Proxy: { DestinationServiceName: name },
      });
      expect(res.status).toBe(403);
      expect(await portsOf(proxy)).toEqual([]);
    });

    it('when anyone deregisters an ID that does not exist, then 404 before any permission check', async () => {
      const ghost = unique('ghost');
      for (const secret of [undefined, await tokenWriting(unique('own'))]) {
        const res = await asToken(secret, `/v1/agent/service/deregister/${ghost}`);
        expect(res.status).toBe(404);
        expect(await res.text()).toMatch(/^Unknown service ID/);
      }
    });
  });
});
