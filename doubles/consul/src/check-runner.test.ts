import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from './catalog.js';
import { ChangeIndex } from './change-index.js';
import { CheckRunner, probeHttp, probeTcp } from './check-runner.js';
import type { CheckInput, ServiceInput } from './registration.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function endpoint(statusOf: () => number): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(statusOf()).end('body text');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
}

const until = async (condition: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

function service(id: string, check: CheckInput['definition']): ServiceInput {
  return {
    id,
    name: id,
    tags: [],
    address: '',
    port: 1,
    meta: {},
    taggedAddresses: {},
    weights: { Passing: 1, Warning: 1 },
    enableTagOverride: false,
    kind: '',
    checks: [{ checkId: `service:${id}`, name: 'c', notes: '', serviceId: id, definition: check }],
  };
}

const text = { interval: '', timeout: '', ttl: '', deregisterCriticalServiceAfter: '' };

function harness(options: ConstructorParameters<typeof CheckRunner>[1] = {}) {
  const catalog = new Catalog(new ChangeIndex(), { nodeName: 'n', nodeAddress: '127.0.0.1' });
  const runner = new CheckRunner(catalog, { intervalFloorMs: 20, random: () => 0, ...options });
  runner.start();
  cleanups.push(() => runner.stop());
  return { catalog, runner };
}

describe('probeHttp', () => {
  it('when the endpoint answers 2xx, 429 or 500, then the status is passing, warning or critical', async () => {
    let status = 200;
    const url = await endpoint(() => status);
    const options = { method: 'GET', header: {}, tlsSkipVerify: false, timeoutMs: 2000 };
    expect(await probeHttp(url, options)).toMatchObject({ status: 'passing' });
    status = 429;
    expect(await probeHttp(url, options)).toMatchObject({ status: 'warning' });
    status = 500;
    const failed = await probeHttp(url, options);
    expect(failed.status).toBe('critical');
    expect(failed.output).toContain('500 Internal Server Error Output: body text');
  });

  it('when nothing listens, then the check is critical with the connection error', async () => {
    const result = await probeHttp('http://127.0.0.1:1/', {
      method: 'GET',
      header: {},
      tlsSkipVerify: false,
      timeoutMs: 1000,
    });
    expect(result.status).toBe('critical');
    expect(result.output).toMatch(/ECONNREFUSED/);
  });
});

describe('probeTcp', () => {
  it('when a port accepts connections, then passing; when closed, critical', async () => {
    const url = new URL(await endpoint(() => 200));
    expect(await probeTcp(url.host, 1000)).toMatchObject({
      status: 'passing',
      output: `TCP connect ${url.host}: Success`,
    });
    expect((await probeTcp('127.0.0.1:1', 1000)).status).toBe('critical');
  });

  it('when many probes share one signal, then none of them leaves a listener on it', async () => {
    const url = new URL(await endpoint(() => 200));
    const shared = new AbortController();
    for (let run = 0; run < 20; run += 1) await probeTcp(url.host, 1000, shared.signal);
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });

  it('when the shared signal aborts, then a probe in flight ends critical', async () => {
    const shared = new AbortController();
    const probe = probeTcp('10.255.255.1:9', 5000, shared.signal);
    shared.abort();
    expect(await probe).toMatchObject({
      status: 'critical',
      output: expect.stringMatching(/abort/i),
    });
  });
});

describe('CheckRunner', () => {
  it('when an HTTP check endpoint starts failing, then the check turns critical on its next run', async () => {
    let status = 200;
    const url = await endpoint(() => status);
    const { catalog } = harness();
    catalog.registerService(service('svc', { type: 'http', http: url, intervalMs: 30, text }));
    await until(() => catalog.getCheck('service:svc')?.status === 'passing');
    status = 503;
    await until(() => catalog.getCheck('service:svc')?.status === 'critical');
  });

  it('when a TTL check is not refreshed in time, then it turns critical with "TTL expired"', async () => {
    const { catalog, runner } = harness();
    catalog.registerService(service('ttl', { type: 'ttl', ttlMs: 80, text }));
    expect(catalog.getCheck('service:ttl')?.status).toBe('critical');
    runner.updateTtl('service:ttl', 'passing', 'fine');
    expect(catalog.getCheck('service:ttl')).toMatchObject({ status: 'passing', output: 'fine' });
    await until(() => catalog.getCheck('service:ttl')?.status === 'critical');
    expect(catalog.getCheck('service:ttl')?.output).toBe('TTL expired');
  });

  it('when a TTL update names an unknown or non-TTL check, then it is refused', async () => {
    const url = await endpoint(() => 200);
    const { catalog, runner } = harness();
    catalog.registerService(service('h', { type: 'http', http: url, intervalMs: 1000, text }));
    expect(() => runner.updateTtl('nope', 'passing', '')).toThrow(/Unknown check ID "nope"/);
    expect(() => runner.updateTtl('service:h', 'passing', '')).toThrow(
      /does not have associated TTL/,
    );
  });

  it('when a check stays critical past DeregisterCriticalServiceAfter, then the reaper removes the service', async () => {
    const { catalog } = harness({ reapIntervalMs: 20, reapMinimumMs: 0 });
    catalog.registerService(
      service('doomed', { type: 'ttl', ttlMs: 60_000, deregisterCriticalAfterMs: 100, text }),
    );
    expect(catalog.getService('doomed')).toBeDefined();
    await until(() => catalog.getService('doomed') === undefined);
    expect(catalog.getCheck('service:doomed')).toBeUndefined();
  });

  it('when the reap minimum is larger, then a shorter DeregisterCriticalServiceAfter waits for it', async () => {
    const { catalog } = harness({ reapIntervalMs: 20, reapMinimumMs: 60_000 });
    catalog.registerService(
      service('kept', { type: 'ttl', ttlMs: 60_000, deregisterCriticalAfterMs: 10, text }),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(catalog.getService('kept')).toBeDefined();
  });
});
