import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { captureLogger, eventually, uniqueName } from '@flowstack/test-kit';
import { startTarget, type Target } from '../test/target.js';
import { registerService } from './registration.js';

let target: Target;
const { logger } = captureLogger('consul-test');

beforeAll(async () => {
  target = await startTarget(logger);
});
afterAll(async () => {
  await target.stop();
});

async function readyEndpoint(): Promise<{ url: string; port: number; set(status: number): void }> {
  let status = 200;
  const server = http.createServer((_req, res) => res.writeHead(status).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/health/ready`,
    port,
    set: (next) => {
      status = next;
    },
  };
}

const passingIds = async (name: string) =>
  (await target.client.healthyInstances(name)).map((instance) => instance.id);

describe('registerService', () => {
  it('when registered with an HTTP check, then it turns passing, drops out when critical, and deregister removes it', async () => {
    const name = uniqueName('flowstack-api');
    const endpoint = await readyEndpoint();
    const registration = await registerService({
      client: target.client,
      name,
      id: `${name}-1`,
      address: '127.0.0.1',
      port: endpoint.port,
      check: {
        kind: 'http',
        url: endpoint.url,
        interval: '1s',
        timeout: '1s',
        deregisterCriticalServiceAfter: '1m',
      },
      logger,
    });
    onTestFinished(() => registration.deregister());

    await eventually(
      () => passingIds(name),
      (ids) => ids.includes(`${name}-1`),
    );
    endpoint.set(503);
    await eventually(
      () => passingIds(name),
      (ids) => ids.length === 0,
    );
    endpoint.set(200);
    await eventually(
      () => passingIds(name),
      (ids) => ids.length === 1,
    );

    await registration.deregister();
    const all = await target.client.request('GET', `/v1/health/service/${name}`);
    expect(JSON.parse(all.text)).toEqual([]);
  });

  it('when registered with a TTL check, then the heartbeat reports the probe: passing, then critical', async () => {
    const name = uniqueName('flowstack-worker');
    let ready = true;
    const registration = await registerService({
      client: target.client,
      name,
      id: `${name}-1`,
      address: '127.0.0.1',
      port: 3001,
      check: {
        kind: 'ttl',
        ttl: '10s',
        heartbeatMs: 200,
        probe: () => (ready ? Promise.resolve() : Promise.reject(new Error('postgres down'))),
        deregisterCriticalServiceAfter: '1m',
      },
      logger,
    });
    onTestFinished(() => registration.deregister());
    expect(await passingIds(name)).toEqual([`${name}-1`]);

    ready = false;
    await eventually(
      () => passingIds(name),
      (ids) => ids.length === 0,
    );
    const checks = await target.client.request('GET', `/v1/health/checks/${name}`);
    expect(checks.text).toContain('not ready: postgres down');
  });
});
