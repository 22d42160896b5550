import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '@flowstack/observability';
import { createLifecycle } from './lifecycle/lifecycle.js';
import { createHealthEndpoints } from './health-endpoints.js';
import { startHealthServer, type StartedServer } from './health-server.js';

const silent = { info: () => undefined, error: () => undefined };
let server: StartedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(failing = false) {
  const lifecycle = createLifecycle({ logger: silent });
  lifecycle.readiness.register('postgres', () =>
    failing ? Promise.reject(new Error('down')) : Promise.resolve(),
  );
  const metrics = createMetrics({ service: 'test', defaultMetrics: false });
  const health = createHealthEndpoints({
    readiness: lifecycle.readiness,
    registry: metrics.registry,
  });
  server = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    routes: {
      '/health/live': health.live,
      '/health/ready': health.ready,
      '/metrics': health.metrics,
    },
  });
  return { lifecycle, url: server.url };
}

describe('the health server', () => {
  it('when dependencies answer, then ready is 200; when draining, then 503', async () => {
    const { lifecycle, url } = await start();
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    lifecycle.readiness.startDraining();
    const draining = await fetch(`${url}/health/ready`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ status: 'not ready', draining: true });
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });

  it('when a critical dependency fails, then ready is 503 and names it', async () => {
    const { url } = await start(true);
    const response = await fetch(`${url}/health/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      checks: { postgres: { ok: false, error: 'down' } },
    });
  });

  it('when a path is unknown or the method is wrong, then the answer is a problem', async () => {
    const { url } = await start();
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const wrongMethod = await fetch(`${url}/metrics`, { method: 'POST' });
    expect(wrongMethod.status).toBe(405);
  });

  it('when metrics are asked for, then the Prometheus text is served', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toContain('flowstack_queue_published_total');
  });
});
