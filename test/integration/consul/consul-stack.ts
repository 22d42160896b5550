import { randomUUID } from 'node:crypto';
import { startApi, type RunningApi } from '@flowstack/api';
import { apiConfigSchema, type ApiConfig } from '@flowstack/api/config';
import { createConsulClient, type ConsulClient } from '@flowstack/consul';
import { startConsulDouble, type RunningConsulDouble } from '@flowstack/consul-double';
import { prepareTestDatabase, testEnvironment } from '@flowstack/domain/testing';
import { createLogger } from '@flowstack/observability';

/**
 * A Consul for one test: the in-repo double by default, or the agent at CONSUL_HTTP_ADDR (DNS at
 * CONSUL_DNS_ADDR). Names carry a unique suffix, so tests can share a real agent.
 */
export interface ConsulUnderTest {
  url: string;
  dns: { host: string; port: number } | undefined;
  client: ConsulClient;
  /** Unique Consul names of this test's dependencies. */
  names: { postgres: string; redis: string; rabbitmq: string; kvPrefix: string; apiId: string };
  /** Registers a dependency with a TCP check, as the local stack does; returns its service id. */
  registerDependency(name: string, port: number, idSuffix?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startConsulUnderTest(): Promise<ConsulUnderTest> {
  let double: RunningConsulDouble | undefined;
  let url = process.env.CONSUL_HTTP_ADDR;
  let dns: ConsulUnderTest['dns'];
  if (url) {
    url = /^https?:\/\//.test(url) ? url : `http://${url}`;
    const dnsAddr = process.env.CONSUL_DNS_ADDR;
    if (dnsAddr) {
      const cut = dnsAddr.lastIndexOf(':');
      dns = { host: dnsAddr.slice(0, cut), port: Number(dnsAddr.slice(cut + 1)) };
    }
  } else {
    double = await startConsulDouble({ port: 0, dnsPort: 0 });
    url = double.url;
    dns = { host: double.host, port: double.dnsPort };
  }
  const client = createConsulClient({
    address: url,
    token: process.env.CONSUL_HTTP_TOKEN || undefined,
    logger: createLogger({ service: 'consul-test', level: 'silent' }),
  });
  const id = randomUUID().slice(0, 8);
  const registered: string[] = [];
  return {
    url,
    dns,
    client,
    names: {
      postgres: `ct-postgres-${id}`,
      redis: `ct-redis-${id}`,
      rabbitmq: `ct-rabbitmq-${id}`,
      kvPrefix: `flowstack/config/api/`,
      apiId: `flowstack-api-ct-${id}`,
    },
    async registerDependency(name, port, idSuffix = String(port)) {
      const serviceId = `${name}-${idSuffix}`;
      await client.registerService({
        name,
        id: serviceId,
        address: '127.0.0.1',
        port,
        checkId: `${serviceId}-tcp`,
        check: {
          tcp: `127.0.0.1:${port}`,
          interval: '1s',
          timeout: '1s',
          deregisterCriticalServiceAfter: '10m',
        },
      });
      registered.push(serviceId);
      return serviceId;
    },
    async stop() {
      for (const serviceId of registered) {
        await client.deregisterService(serviceId).catch(() => undefined);
      }
      client.close();
      await double?.stop();
    },
  };
}

/** The api in this process, wired to `consul` with discovery, live config and registration on. */
export async function startApiWithConsul(
  consul: ConsulUnderTest,
  overrides: Record<string, string> = {},
): Promise<{ api: RunningApi; config: ApiConfig }> {
  await prepareTestDatabase();
  const config = apiConfigSchema.parse(
    testEnvironment({
      CONSUL_HTTP_ADDR: consul.url,
      ...(process.env.CONSUL_HTTP_TOKEN
        ? { CONSUL_HTTP_TOKEN: process.env.CONSUL_HTTP_TOKEN }
        : {}),
      CONSUL_REGISTER: 'true',
      CONSUL_SERVICE_ID: consul.names.apiId,
      CONSUL_CHECK_INTERVAL: '1s',
      CONSUL_DISCOVERY: 'http',
      // The double here runs without ACLs; the refusal of such a Consul is tested in
      // api-in-consul.test.ts, ACL enforcement in tools/dev-stack and test/contract/consul.
      CONSUL_DISCOVERY_REQUIRE_ACL: process.env.CONSUL_HTTP_TOKEN ? 'true' : 'false',
      CONSUL_LIVE_CONFIG: 'true',
      ...(consul.dns ? { CONSUL_DNS_SERVER: `${consul.dns.host}:${consul.dns.port}` } : {}),
      CONSUL_POSTGRES_SERVICE: consul.names.postgres,
      CONSUL_REDIS_SERVICE: consul.names.redis,
      CONSUL_RABBITMQ_SERVICE: consul.names.rabbitmq,
      // Bogus static addresses: the api can only work through what Consul tells it.
      POSTGRES_HOST: 'static-address-not-used.invalid',
      REDIS_HOST: 'static-address-not-used.invalid',
      RABBITMQ_HOST: 'static-address-not-used.invalid',
      ORDERS_EXCHANGE: `test.consul.${randomUUID()}`,
      ...overrides,
    }),
  );
  const api = await startApi(config, createLogger({ service: 'api', level: 'silent' }));
  return { api, config };
}
