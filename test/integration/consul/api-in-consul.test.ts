import { createStaticCredentialSource } from '@flowstack/credentials';
import { resolveServiceByDns } from '@flowstack/consul';
import { createDatabase } from '@flowstack/db';
import {
  createTestProduct,
  orderRequestFor,
  uniqueIdempotencyKey,
} from '@flowstack/domain/testing';
import { createLogger } from '@flowstack/observability';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { eventually, startTcpProxy, throwawayRedis } from '@flowstack/test-kit';
import { startApiWithConsul, startConsulUnderTest, type ConsulUnderTest } from './consul-stack.js';

async function consulWithDependencies(postgresPort = 5432): Promise<ConsulUnderTest> {
  const consul = await startConsulUnderTest();
  onTestFinished(() => consul.stop());
  await consul.registerDependency(consul.names.postgres, postgresPort);
  await consul.registerDependency(consul.names.redis, 6379);
  await consul.registerDependency(consul.names.rabbitmq, 5672);
  for (const name of [consul.names.postgres, consul.names.redis, consul.names.rabbitmq]) {
    await eventually(
      () => consul.client.healthyInstances(name),
      (instances) => instances.length === 1,
    );
  }
  return consul;
}

const apiIds = async (consul: ConsulUnderTest) =>
  (await consul.client.healthyInstances('flowstack-api')).map((i) => i.id);

describe('the api in Consul', () => {
  it('when it starts, then it registers and turns passing; when its PostgreSQL is unreachable it drops out; shutdown deregisters it', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    onTestFinished(() => proxy.close());
    const consul = await consulWithDependencies(proxy.port);
    const { api } = await startApiWithConsul(consul);
    onTestFinished(() => api.stop());

    await eventually(
      () => apiIds(consul),
      (ids) => ids.includes(consul.names.apiId),
    );

    proxy.cut();
    await eventually(
      () => apiIds(consul),
      (ids) => !ids.includes(consul.names.apiId),
    );
    const checks = await consul.client.request('GET', '/v1/health/checks/flowstack-api');
    expect(checks.text).toContain('critical');

    proxy.restore();
    await eventually(
      () => apiIds(consul),
      (ids) => ids.includes(consul.names.apiId),
    );

    await api.stop();
    const all = await consul.client.request('GET', '/v1/health/service/flowstack-api');
    expect(all.text).not.toContain(consul.names.apiId);
  });

  it('when Redis is re-registered on another port, then the running api follows it without 5xx', async () => {
    const moved = await throwawayRedis();
    await moved.start();
    onTestFinished(() => moved.stop());
    const consul = await consulWithDependencies();
    const { api } = await startApiWithConsul(consul);
    onTestFinished(() => api.stop());

    const statuses: number[] = [];
    let running = true;
    const traffic = (async () => {
      while (running) {
        const response = await fetch(`${api.url}/v1/products?limit=5`);
        statuses.push(response.status);
        await response.arrayBuffer();
      }
    })();

    await consul.client.deregisterService(`${consul.names.redis}-6379`);
    await consul.registerDependency(consul.names.redis, moved.port);

    const newRedis = new Redis({ port: moved.port, lazyConnect: true });
    onTestFinished(() => newRedis.disconnect());
    await newRedis.connect();
    // The api's catalog reads fill the cache: keys appear on the new server once it moved.
    await eventually(
      async () => (await newRedis.keys('flowstack:*')).length,
      (count) => count > 0,
    );
    running = false;
    await traffic;

    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
  });

  it('when ACCEPT_ORDERS changes in KV, then the running api answers POST with 503 within a second; an invalid value is refused', async () => {
    const consul = await consulWithDependencies();
    const key = `${consul.names.kvPrefix}ACCEPT_ORDERS`;
    onTestFinished(() => consul.client.deleteKv(key));
    const { api, config } = await startApiWithConsul(consul);
    onTestFinished(() => api.stop());
    // Orders are published mandatory: give the exchange a queue, as the worker would.
    const broker = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
    onTestFinished(() => broker.close());
    const channel = await broker.createChannel();
    await channel.assertExchange(config.ORDERS_EXCHANGE, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, config.ORDERS_EXCHANGE, '#');
    onTestFinished(async () => {
      await channel.deleteExchange(config.ORDERS_EXCHANGE);
    });
    const db = await createDatabase({
      host: '127.0.0.1',
      port: 5432,
      database: process.env.TEST_POSTGRES_DB ?? 'flowstack_test',
      credentials: createStaticCredentialSource({ username: 'postgres' }),
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
    onTestFinished(() => db.close());
    const product = await createTestProduct(db);
    const postOrder = async () => {
      const response = await fetch(`${api.url}/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': uniqueIdempotencyKey() },
        body: JSON.stringify(orderRequestFor([product])),
      });
      await response.arrayBuffer();
      return response.status;
    };
    expect(await postOrder()).toBe(202);

    const written = Date.now();
    await consul.client.setKv(key, 'false');
    await eventually(
      () => config.ACCEPT_ORDERS,
      (accepting) => !accepting,
      { timeoutMs: 1_000 },
    );
    expect(Date.now() - written).toBeLessThan(1_000);
    expect(await postOrder()).toBe(503);

    await consul.client.setKv(key, 'maybe');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(config.ACCEPT_ORDERS).toBe(false);
    expect(await postOrder()).toBe(503);

    await consul.client.setKv(key, 'true');
    await eventually(
      () => config.ACCEPT_ORDERS,
      (accepting) => accepting,
      { timeoutMs: 1_000 },
    );
    expect(await postOrder()).toBe(202);
  });

  it('when asked over DNS, then Consul gives the same instances as the HTTP API, and an api in DNS mode works', async (context) => {
    const consul = await consulWithDependencies();
    if (consul.dns === undefined) context.skip();
    const dns = consul.dns!;
    await consul.registerDependency(consul.names.redis, 6379, 'second');
    for (const name of [consul.names.postgres, consul.names.redis, consul.names.rabbitmq]) {
      const overHttp = await eventually(
        async () =>
          (await consul.client.healthyInstances(name)).map((i) => `${i.host}:${i.port}`).sort(),
        (found) => found.length === (name === consul.names.redis ? 2 : 1),
      );
      const overDns = (await resolveServiceByDns(name, dns))
        .map((i) => `${i.host}:${i.port}`)
        .sort();
      expect(overDns).toEqual(overHttp);
    }

    const { api } = await startApiWithConsul(consul, { CONSUL_DISCOVERY: 'dns' });
    onTestFinished(() => api.stop());
    const response = await fetch(`${api.url}/v1/products?limit=1`);
    expect(response.status).toBe(200);
  });

  it('when Consul does not enforce ACLs (default allow), then the api refuses to discover through it and does not start', async () => {
    const consul = await consulWithDependencies();
    const start = startApiWithConsul(consul, {
      CONSUL_DISCOVERY_REQUIRE_ACL: 'true',
      CONSUL_HTTP_TOKEN: 'any-token',
    });
    await expect(start).rejects.toThrow(/default ACL policy "allow".*will not follow it/);
    expect(await apiIds(consul)).toEqual([]);
  });
});
