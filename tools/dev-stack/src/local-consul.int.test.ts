import { createServer, type AddressInfo } from 'node:net';
import { createConsulClient, resolveServiceByDns } from '@flowstack/consul';
import { createLogger } from '@flowstack/observability';
import { eventually } from '@flowstack/test-kit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startLocalConsul, type LocalConsul } from './local-consul.js';

const logger = createLogger({ service: 'dev-stack-test', level: 'silent' });

async function started(): Promise<LocalConsul> {
  const consul = await startLocalConsul({ env: {}, logger });
  onTestFinished(() => consul.stop());
  return consul;
}

async function passing(consul: LocalConsul, name: string) {
  const client = createConsulClient({
    address: consul.url,
    token: consul.managementToken,
    logger,
  });
  try {
    return await client.healthyInstances(name);
  } finally {
    client.close();
  }
}

/** A listener that would pass a TCP check, as the co-tenant's rogue Redis did. */
async function rogueListener(): Promise<number> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe('startLocalConsul', () => {
  it('when started, then the machine servers are passing services, the intentions exist, and each service gets its own token', async () => {
    const consul = await started();
    for (const name of ['postgres', 'redis', 'rabbitmq']) {
      await eventually(
        () => passing(consul, name),
        (instances) => instances.length === 1,
        { timeoutMs: 15_000, what: `${name} passing` },
      );
    }
    const intentions = await fetch(`${consul.url}/v1/config/service-intentions/redis`, {
      headers: { 'X-Consul-Token': consul.managementToken },
    });
    expect(intentions.status).toBe(200);
    const api = consul.serviceEnv('api');
    const worker = consul.serviceEnv('worker');
    expect(api).toMatchObject({
      CONSUL_HTTP_ADDR: consul.url,
      CONSUL_REGISTER: 'true',
      CONSUL_DISCOVERY: 'http',
      CONSUL_LIVE_CONFIG: 'true',
    });
    expect(api.CONSUL_HTTP_TOKEN).toMatch(/^[0-9a-f-]{36}$/);
    expect(worker.CONSUL_HTTP_TOKEN).not.toBe(api.CONSUL_HTTP_TOKEN);
    expect(api.CONSUL_HTTP_TOKEN).not.toBe(consul.managementToken);
    const [host, port] = consul.dns.split(':');
    const overDns = await resolveServiceByDns('redis', { host: host!, port: Number(port) });
    expect(overDns.map((i) => i.port)).toEqual([6379]);
  });

  // The co-tenant attack of the security review (F2): register `redis-rogue` as `redis` at a
  // listener of one's own, deregister `redis-local`, and wait for the services to follow.
  it.each([
    ['no token', () => undefined],
    ["the worker's token", (consul: LocalConsul) => consul.serviceEnv('worker').CONSUL_HTTP_TOKEN],
    ["the api's token", (consul: LocalConsul) => consul.serviceEnv('api').CONSUL_HTTP_TOKEN],
  ])(
    'when a co-tenant with %s re-points redis, then both writes are refused and redis-local is the only instance',
    async (_who, tokenOf) => {
      const consul = await started();
      const token = tokenOf(consul);
      const headers: Record<string, string> = token ? { 'X-Consul-Token': token } : {};
      const port = await rogueListener();
      await eventually(
        () => passing(consul, 'redis'),
        (instances) => instances.length === 1,
        { timeoutMs: 15_000, what: 'redis passing' },
      );

      const register = await fetch(`${consul.url}/v1/agent/service/register`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({
          Name: 'redis',
          ID: 'redis-rogue',
          Address: '127.0.0.1',
          Port: port,
          Check: { TCP: `127.0.0.1:${port}`, Interval: '1s' },
        }),
      });
      expect(register.status).toBe(403);
      expect(await register.text()).toMatch(/^Permission denied: .*'service:write' on "redis"/);
      const deregister = await fetch(`${consul.url}/v1/agent/service/deregister/redis-local`, {
        method: 'PUT',
        headers,
      });
      expect(deregister.status).toBe(403);
      // Overwriting the instance by its ID under a name the token may write: refused as well.
      const overwrite = await fetch(`${consul.url}/v1/agent/service/register`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ Name: 'flowstack-worker', ID: 'redis-local', Port: port }),
      });
      expect(overwrite.status).toBe(403);

      const instances = await passing(consul, 'redis');
      expect(instances.map((i) => [i.id, i.port])).toEqual([['redis-local', 6379]]);
    },
  );
});
