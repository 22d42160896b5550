import { promises as dns } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningConsulDouble, startConsulDouble } from './consul-double.js';

const running: RunningConsulDouble[] = [];
afterEach(async () => {
  for (const double of running.splice(0)) await double.stop();
});

async function start(options: Parameters<typeof startConsulDouble>[0] = {}) {
  const double = await startConsulDouble({ port: 0, dnsPort: 0, ...options });
  running.push(double);
  return double;
}

describe('startConsulDouble over HTTP', () => {
  it('when started, then it listens within a second and answers status/leader', async () => {
    const started = Date.now();
    const double = await start();
    expect(Date.now() - started).toBeLessThan(1000);
    const res = await fetch(`${double.url}/v1/status/leader`);
    expect(await res.json()).toBe('127.0.0.1:8300');
  });

  it('when a service is registered without ID, then the ID is the Name and deregistering an unknown ID is 404 (agent/acl.go vetServiceUpdateWithAuthorizer)', async () => {
    const double = await start();
    const put = await fetch(`${double.url}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({
        name: 'web',
        port: 80,
        check: { ttl: '30s', deregister_critical_service_after: '90m' },
      }),
    });
    expect(put.status).toBe(200);
    const services = (await (await fetch(`${double.url}/v1/agent/services`)).json()) as Record<
      string,
      { ID: string }
    >;
    expect(Object.keys(services)).toEqual(['web']);
    const checks = (await (await fetch(`${double.url}/v1/agent/checks`)).json()) as Record<
      string,
      { Status: string }
    >;
    expect(checks['service:web']?.Status).toBe('critical');
    expect(
      (await fetch(`${double.url}/v1/agent/service/deregister/nope`, { method: 'PUT' })).status,
    ).toBe(404);
  });

  it('when a registration is invalid, then 400 text/plain with the reason', async () => {
    const double = await start();
    const res = await fetch(`${double.url}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ Name: 'x', Check: { HTTP: 'http://127.0.0.1:1/' } }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(await res.text()).toMatch(/Interval must be > 0/);
  });

  it('when the wrong method is used, then 405', async () => {
    const double = await start();
    expect((await fetch(`${double.url}/v1/agent/service/register`)).status).toBe(405);
  });

  it('when a blocking KV read waits, then a write to that key wakes it and the index moves', async () => {
    const double = await start();
    await fetch(`${double.url}/v1/kv/blk/a`, { method: 'PUT', body: '1' });
    const first = await fetch(`${double.url}/v1/kv/blk/a`);
    const index = Number(first.headers.get('x-consul-index'));
    expect(first.headers.get('x-consul-knownleader')).toBe('true');
    const blocked = fetch(`${double.url}/v1/kv/blk/a?index=${index}&wait=30s`);
    await fetch(`${double.url}/v1/kv/other`, { method: 'PUT', body: 'x' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const writtenAt = Date.now();
    await fetch(`${double.url}/v1/kv/blk/a`, { method: 'PUT', body: '2' });
    const woke = await blocked;
    expect(Date.now() - writtenAt).toBeLessThan(100);
    expect(Number(woke.headers.get('x-consul-index'))).toBeGreaterThan(index);
    const [entry] = (await woke.json()) as { Value: string }[];
    expect(Buffer.from(entry!.Value, 'base64').toString()).toBe('2');
  });

  it('when stopped with a blocking query open, then stop() still resolves promptly', async () => {
    const double = await startConsulDouble({ port: 0, dnsPort: 0 });
    const blocked = fetch(`${double.url}/v1/kv/x?index=1000&wait=5m`).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const started = Date.now();
    await double.stop();
    await blocked;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('ACL enforcement', () => {
  it("when ACLs are on and no token is sent, then writes and key reads get Consul's 403 text", async () => {
    const double = await start({ aclToken: 'root-secret' });
    const res = await fetch(`${double.url}/v1/kv/app/config`);
    expect(res.status).toBe(403);
    expect(await res.text()).toBe(
      `Permission denied: token with AccessorID '00000000-0000-0000-0000-000000000002' lacks permission 'key:read' on "app/config"`,
    );
    const reg = await fetch(`${double.url}/v1/agent/service/register`, {
      method: 'PUT',
      body: '{"Name":"web"}',
    });
    expect(reg.status).toBe(403);
    expect(await reg.text()).toMatch(/lacks permission 'service:write' on "web"/);
  });

  it('when an unknown token is sent, then 403 "ACL not found"', async () => {
    const double = await start({ aclToken: 'root-secret' });
    const res = await fetch(`${double.url}/v1/catalog/services`, {
      headers: { 'X-Consul-Token': 'wrong' },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('ACL not found');
  });

  it('when the management token is sent as header or bearer, then requests pass; anonymous lists come back empty', async () => {
    const double = await start({ aclToken: 'root-secret' });
    const put = await fetch(`${double.url}/v1/kv/k`, {
      method: 'PUT',
      body: 'v',
      headers: { 'X-Consul-Token': 'root-secret' },
    });
    expect(await put.json()).toBe(true);
    const get = await fetch(`${double.url}/v1/kv/k?raw`, {
      headers: { Authorization: 'Bearer root-secret' },
    });
    expect(await get.text()).toBe('v');
    const anonymous = await fetch(`${double.url}/v1/catalog/services`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({});
    expect(anonymous.headers.get('x-consul-default-acl-policy')).toBe('deny');
  });
});

describe('DNS with ACLs on (agent/dns.go answers with the agent token "dns", else "default", else anonymous)', () => {
  it('when no DNS token is set, then a registered service is NXDOMAIN; with a token that reads services, it answers', async () => {
    const management = 'dns-management';
    const double = await start({ aclToken: management });
    const put = (path: string, body: unknown, token = management) =>
      fetch(`${double.url}${path}`, {
        method: 'PUT',
        headers: { 'X-Consul-Token': token },
        body: JSON.stringify(body),
      });
    expect((await put('/v1/agent/service/register', { Name: 'redis', Port: 6379 })).status).toBe(
      200,
    );
    const resolver = new dns.Resolver({ timeout: 1_000, tries: 1 });
    resolver.setServers([`${double.host}:${double.dnsPort}`]);
    await expect(resolver.resolveSrv('redis.service.consul')).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });

    const policy = await put('/v1/acl/policy', {
      Name: 'dns',
      Rules: 'service_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }',
    });
    const { ID } = (await policy.json()) as { ID: string };
    const token = await put('/v1/acl/token', { Policies: [{ ID }] });
    const { SecretID } = (await token.json()) as { SecretID: string };
    expect((await put('/v1/agent/token/dns', { Token: SecretID }, SecretID)).status).toBe(403);
    expect((await put('/v1/agent/token/nope', { Token: SecretID })).status).toBe(404);
    expect((await put('/v1/agent/token/dns', { Token: SecretID })).status).toBe(200);

    const records = await resolver.resolveSrv('redis.service.consul');
    expect(records.map((r) => r.port)).toEqual([6379]);
  });

  it('when ACLs are off, then setting an agent token is 401 "ACL support disabled"', async () => {
    const double = await start();
    const res = await fetch(`${double.url}/v1/agent/token/dns`, {
      method: 'PUT',
      body: JSON.stringify({ Token: 'x' }),
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('ACL support disabled');
  });
});
