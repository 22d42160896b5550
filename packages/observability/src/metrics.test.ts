import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('createMetrics', () => {
  it('when two registries are created in one process, then they do not clash', async () => {
    const a = createMetrics({ service: 'api', defaultMetrics: false });
    const b = createMetrics({ service: 'worker', defaultMetrics: false });
    a.queue.published.inc({ exchange: 'orders' });
    const text = await a.registry.metrics();
    expect(text).toMatch(/^flowstack_queue_published_total\{.*exchange="orders".*\} 1$/m);
    expect(text).toContain('service="api"');
    expect(await b.registry.metrics()).not.toContain('exchange="orders"');
  });

  it('when a request is observed, then the histogram carries method, route and status', async () => {
    const metrics = createMetrics({ service: 'api', defaultMetrics: false });
    metrics.http.requestDuration.observe(
      { method: 'GET', route: '/v1/products/:id', status: '200' },
      0.01,
    );
    const { values } = await metrics.http.requestDuration.get();
    const count = values.find(
      (v) => v.metricName === 'flowstack_http_request_duration_seconds_count',
    );
    expect(count).toMatchObject({
      value: 1,
      labels: { method: 'GET', route: '/v1/products/:id', status: '200' },
    });
  });
});
