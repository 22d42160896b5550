import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProduct } from '@flowstack/domain/testing';
import { startApiUnderTest, type ApiUnderTest } from './support/api-under-test.js';

let api: ApiUnderTest;
beforeAll(async () => {
  api = await startApiUnderTest();
});
afterAll(async () => {
  await api.close();
});

describe('GET /v1/products/:id', () => {
  it('when the product exists, then it is served, and the next read comes from Redis', async () => {
    const product = await createTestProduct(api.db, { priceCents: 1000 });
    const first = await request(api.app).get(`/v1/products/${product.id}`).expect(200);
    expect(first.body).toEqual(product);

    // Changed behind the cache's back: a cache hit still shows the old price.
    await api.db.query('UPDATE products SET price_cents = 2000 WHERE id = $1', [product.id]);
    const second = await request(api.app).get(`/v1/products/${product.id}`).expect(200);
    expect(second.body.priceCents).toBe(1000);
  });

  it('when the product does not exist, then it is a 404 problem', async () => {
    const response = await request(api.app).get('/v1/products/no-such-product').expect(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it('when the id is hostile, then it is a 404 problem, not an error', async () => {
    const response = await request(api.app)
      .get(`/v1/products/${encodeURIComponent("x' OR 1=1;--")}`)
      .expect(404);
    expect(response.body.status).toBe(404);
  });
});

describe('GET /v1/products', () => {
  it('when paging with limit, then pages follow each other by id without overlap', async () => {
    const first = await request(api.app).get('/v1/products?limit=2').expect(200);
    expect(first.body.items).toHaveLength(2);
    expect(typeof first.body.nextAfter).toBe('string');
    const second = await request(api.app)
      .get(`/v1/products?limit=2&after=${first.body.nextAfter}`)
      .expect(200);
    const firstIds = (first.body.items as { id: string }[]).map((p) => p.id);
    const secondIds = (second.body.items as { id: string }[]).map((p) => p.id);
    expect(secondIds.every((id) => id > firstIds[1]!)).toBe(true);
  });

  it.each([
    'limit=0',
    'limit=1000',
    'limit=abc',
    'unknown=1',
    'after=%00',
    'after=a%00b',
    'after=A',
  ])('when the query is %s, then it is a 400 problem', async (query) => {
    const response = await request(api.app).get(`/v1/products?${query}`).expect(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('when Redis is down', () => {
  it('then reads are served from PostgreSQL', async () => {
    const degraded = await startApiUnderTest({ env: { REDIS_PORT: '1' }, bindCaptureQueue: false });
    try {
      const product = await createTestProduct(degraded.db);
      const response = await request(degraded.app).get(`/v1/products/${product.id}`).expect(200);
      expect(response.body.id).toBe(product.id);
      const ready = await request(degraded.app).get('/health/ready').expect(200);
      expect(ready.body.checks.redis).toMatchObject({ ok: false, critical: false });
    } finally {
      await degraded.close();
    }
  });
});
