import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiUnderTest, type ApiUnderTest } from './support/api-under-test.js';

let api: ApiUnderTest;
beforeAll(async () => {
  // A window of 300 s (burst / rate): however slow the machine, the tests never reach the next one.
  api = await startApiUnderTest({
    env: { RATE_LIMIT_REQUESTS_PER_SECOND: '0.01', RATE_LIMIT_BURST: '3' },
    bindCaptureQueue: false,
  });
});
afterAll(async () => {
  await api.close();
});

describe('the rate limit of the api', () => {
  it('when one client sends more than its burst, then it gets 429 problem+json with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push((await request(api.app).get('/v1/products')).status);
    }
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await request(api.app).get('/v1/products/hand-grinder');
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.text)).toMatchObject({ status: 429, title: 'Too Many Requests' });
    const order = await request(api.app)
      .post('/v1/orders')
      .set('idempotency-key', 'rate-limited-order-key')
      .send({});
    expect(order.status).toBe(429);
  });

  it('when the client is limited, then health and metrics still answer', async () => {
    expect((await request(api.app).get('/health/live')).status).toBe(200);
    expect((await request(api.app).get('/health/ready')).status).toBe(200);
    expect((await request(api.app).get('/metrics')).status).toBe(200);
  });

  it('when the limit is switched off at runtime, then the same client is served again', async () => {
    expect((await request(api.app).get('/v1/products')).status).toBe(429);
    api.config.RATE_LIMIT_REQUESTS_PER_SECOND = 0;
    try {
      expect((await request(api.app).get('/v1/products')).status).toBe(200);
    } finally {
      api.config.RATE_LIMIT_REQUESTS_PER_SECOND = 0.01;
    }
  });
});
