import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestProduct,
  orderRequestFor,
  uniqueIdempotencyKey,
} from '@flowstack/domain/testing';
import {
  cacheKeys,
  fingerprintOf,
  orderIdFor,
  storeOrder,
  type ProductView,
} from '@flowstack/domain';
import { createLogger } from '@flowstack/observability';
import { startApiUnderTest, type ApiUnderTest } from './support/api-under-test.js';

let api: ApiUnderTest;
let product: ProductView;
beforeAll(async () => {
  api = await startApiUnderTest();
  product = await createTestProduct(api.db);
});
afterAll(async () => {
  await api.close();
});

const post = (key: string | undefined, body: unknown) => {
  const req = request(api.app).post('/v1/orders').set('content-type', 'application/json');
  if (key !== undefined) req.set('idempotency-key', key);
  return req.send(JSON.stringify(body));
};

describe('POST /v1/orders', () => {
  it('when the order is valid, then it answers 202 with Location after publishing order.created', async () => {
    const key = uniqueIdempotencyKey();
    const body = orderRequestFor([product], 2);
    const response = await post(key, body).expect(202);
    const orderId = orderIdFor(key);
    expect(response.headers.location).toBe(`/v1/orders/${orderId}`);
    expect(response.body).toMatchObject({ id: orderId, status: 'accepted' });

    const published = await api.waitForPublished(1);
    const message = published.find((m) => m.messageId === orderId);
    expect(message?.body).toMatchObject({
      version: 1,
      orderId,
      items: body.items,
      // Without Vault the e-mail travels marked as plaintext; with Vault it is vault:vN:...
      customerEmail: `plain:${body.customerEmail}`,
      customerEmailMasked: `${body.customerEmail.slice(0, 1)}***@example.com`,
    });

    const order = await request(api.app).get(`/v1/orders/${orderId}`).expect(200);
    expect(order.body).toMatchObject({ id: orderId, status: 'pending' });
  });

  it('when the same key and body are sent again, then the answer is the same order', async () => {
    const key = uniqueIdempotencyKey();
    const body = orderRequestFor([product]);
    const first = await post(key, body).expect(202);
    const again = await post(key, body).expect(202);
    expect(again.headers.location).toBe(first.headers.location);
  });

  it('when the key is reused with another body, then it is a 422 and nothing more is published', async () => {
    const key = uniqueIdempotencyKey();
    await post(key, orderRequestFor([product], 1)).expect(202);
    const before = (await api.waitForPublished(1)).filter(
      (m) => m.messageId === orderIdFor(key),
    ).length;
    const response = await post(key, orderRequestFor([product], 5)).expect(422);
    expect(response.body.type).toMatch(/idempotency-key-reused$/);
    // A marker published after the 422 arrives after anything the 422 might have published.
    const marker = uniqueIdempotencyKey();
    await post(marker, orderRequestFor([product], 1)).expect(202);
    await api.waitForMessage(orderIdFor(marker));
    expect(api.published.filter((m) => m.messageId === orderIdFor(key))).toHaveLength(before);
  });

  it('when the order names an unknown product, then it is a 422 naming the item', async () => {
    const response = await post(uniqueIdempotencyKey(), {
      customerEmail: 'a@example.com',
      items: [{ productId: 'does-not-exist', quantity: 1 }],
    }).expect(422);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'items/0/productId' })]);
  });

  it.each([
    ['no Idempotency-Key', undefined, { customerEmail: 'a@example.com', items: [] }, 400],
    ['a too short Idempotency-Key', 'short', { customerEmail: 'a@example.com', items: [] }, 422],
    [
      'an extra field',
      'key-extra-field-1',
      { customerEmail: 'a@example.com', items: [{ productId: 'x', quantity: 1 }], admin: true },
      422,
    ],
    ['a missing field', 'key-missing-field-1', { items: [{ productId: 'x', quantity: 1 }] }, 422],
    ['a wrong type', 'key-wrong-type-1', { customerEmail: 'a@example.com', items: 'all' }, 422],
    [
      'a huge quantity',
      'key-huge-quantity-1',
      { customerEmail: 'a@example.com', items: [{ productId: 'x', quantity: 1e300 }] },
      422,
    ],
    ['a JSON array', 'key-json-array-1', [1, 2, 3], 422],
  ])('when the request has %s, then it is a %i problem', async (_case, key, body, status) => {
    const response = await post(
      key === undefined ? undefined : `${key}-${randomUUID()}`.slice(0, key === 'short' ? 5 : 80),
      body,
    );
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('when the body is not valid JSON, then it is a 400 problem', async () => {
    const response = await request(api.app)
      .post('/v1/orders')
      .set('content-type', 'application/json')
      .set('idempotency-key', uniqueIdempotencyKey())
      .send('{"customerEmail": "a@example.com", "items": [');
    expect(response.status).toBe(400);
    expect(response.body.type).toMatch(/malformed-json$/);
  });

  it('when the body is larger than the limit, then it is a 413 problem', async () => {
    const response = await request(api.app)
      .post('/v1/orders')
      .set('content-type', 'application/json')
      .set('idempotency-key', uniqueIdempotencyKey())
      .send(JSON.stringify({ customerEmail: 'a@example.com', pad: 'x'.repeat(64 * 1024) }));
    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('when the content type is not JSON, then it is a 415 problem', async () => {
    const response = await request(api.app)
      .post('/v1/orders')
      .set('content-type', 'text/plain')
      .set('idempotency-key', uniqueIdempotencyKey())
      .send('customerEmail=a@example.com');
    expect(response.status).toBe(415);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('when no queue is bound to the exchange, then it is a 503 with Retry-After and nothing is accepted', async () => {
    const unbound = await startApiUnderTest({ bindCaptureQueue: false });
    try {
      const own = await createTestProduct(unbound.db);
      const key = uniqueIdempotencyKey();
      const response = await request(unbound.app)
        .post('/v1/orders')
        .set('content-type', 'application/json')
        .set('idempotency-key', key)
        .send(JSON.stringify(orderRequestFor([own])));
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBeDefined();
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      await request(unbound.app)
        .get(`/v1/orders/${orderIdFor(key)}`)
        .expect(404);
    } finally {
      await unbound.close();
    }
  });

  it('when orders are switched off, then POST answers 503', async () => {
    const closed = await startApiUnderTest({
      env: { ACCEPT_ORDERS: 'false' },
      bindCaptureQueue: false,
    });
    try {
      const response = await request(closed.app)
        .post('/v1/orders')
        .set('content-type', 'application/json')
        .set('idempotency-key', uniqueIdempotencyKey())
        .send(JSON.stringify(orderRequestFor([product])));
      expect(response.status).toBe(503);
    } finally {
      await closed.close();
    }
  });
});

describe('GET /v1/orders/:id', () => {
  it.each(['not-a-uuid', randomUUID()])(
    'when %s is not an order, then it is a 404 problem',
    async (id) => {
      const response = await request(api.app).get(`/v1/orders/${id}`).expect(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    },
  );
});

/** What the worker does with an accepted order, run here so the test decides when. */
async function storeAsWorker(key: string, body: ReturnType<typeof orderRequestFor>) {
  await storeOrder(
    {
      db: api.db,
      cache: api.cache,
      logger: createLogger({ service: 'worker', level: 'silent' }),
      cacheTtlSeconds: 60,
    },
    {
      version: 1,
      orderId: orderIdFor(key),
      requestFingerprint: fingerprintOf(body),
      customerEmail: `plain:${body.customerEmail}`,
      items: body.items,
      acceptedAt: new Date().toISOString(),
    },
  );
}

// The security review's F6: a key reused with another body was sometimes answered 202 (the
// check and the claim were two steps, and the worker deleted the claim after storing).
describe('one Idempotency-Key, two bodies', () => {
  it('when both bodies race for a fresh key, then only one body is ever accepted and every message carries it', async () => {
    const key = uniqueIdempotencyKey();
    const bodies = [orderRequestFor([product], 1), orderRequestFor([product], 2)];
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => post(key, bodies[i % 2]).then((r) => [i % 2, r.status])),
    );
    const accepted = new Set(answers.filter(([, status]) => status === 202).map(([body]) => body));
    expect(accepted.size).toBe(1);
    const winner = [...accepted][0]!;
    // A 503 (Redis slower than its command timeout on a loaded machine) promises nothing; what
    // must never happen is a 202 for the other body.
    for (const [body, status] of answers) {
      expect([body === winner ? 202 : 422, 503]).toContain(status);
    }
    const messages = await api.waitForPublished(1);
    const ours = messages.filter((m) => m.messageId === orderIdFor(key));
    expect(ours.length).toBeGreaterThan(0);
    for (const message of ours) {
      expect(message.body).toMatchObject({ requestFingerprint: fingerprintOf(bodies[winner]) });
    }
  });

  it('when the other body arrives while the worker stores the first, then it is never a 202', async () => {
    const key = uniqueIdempotencyKey();
    const first = orderRequestFor([product], 1);
    await post(key, first).expect(202);
    const other = orderRequestFor([product], 2);
    const [, ...answers] = await Promise.all([
      storeAsWorker(key, first),
      ...Array.from({ length: 20 }, () => post(key, other).then((r) => r.status)),
    ]);
    expect(answers.filter((status) => status === 202)).toEqual([]);
    expect(await post(key, other).then((r) => r.status)).toBe(422);
  });

  it('when the order was stored, then the other body is a 422 and the stored body a replay', async () => {
    const key = uniqueIdempotencyKey();
    const stored = orderRequestFor([product], 1);
    await post(key, stored).expect(202);
    await storeAsWorker(key, stored);
    await post(key, orderRequestFor([product], 3)).expect(422);
    await post(key, stored).expect(202);
  });

  it('when the key is older than its claim, then PostgreSQL still refuses the other body, and retries of the stored body stay replays', async () => {
    const key = uniqueIdempotencyKey();
    const stored = orderRequestFor([product], 1);
    await post(key, stored).expect(202);
    await storeAsWorker(key, stored);
    await api.cache.delete(cacheKeys.pendingOrder(orderIdFor(key)));
    const reused = await post(key, orderRequestFor([product], 4)).expect(422);
    expect(reused.body.type).toMatch(/idempotency-key-reused$/);
    await post(key, stored).expect(202);
  });
});

describe('order ids under ORDER_ID_SECRET', () => {
  const secret = randomBytes(32);
  let keyed: ApiUnderTest;
  beforeAll(async () => {
    keyed = await startApiUnderTest({ env: { ORDER_ID_SECRET: secret.toString('base64') } });
  });
  afterAll(async () => {
    await keyed.close();
  });
  const postKeyed = (key: string, body: unknown) =>
    request(keyed.app)
      .post('/v1/orders')
      .set('content-type', 'application/json')
      .set('idempotency-key', key)
      .send(JSON.stringify(body));

  it('when an order is accepted, then its id is the HMAC of the key under the secret, not the public derivation, and a retry names the same row', async () => {
    const key = uniqueIdempotencyKey();
    const body = orderRequestFor([product]);
    const first = await postKeyed(key, body).expect(202);
    expect(first.body.id).toBe(orderIdFor(key, secret));
    expect(first.body.id).not.toBe(orderIdFor(key));
    expect(first.headers.location).toBe(`/v1/orders/${orderIdFor(key, secret)}`);
    const message = await keyed.waitForMessage(orderIdFor(key, secret));
    expect(message.body).toMatchObject({ orderId: orderIdFor(key, secret) });
    const again = await postKeyed(key, body).expect(202);
    expect(again.body.id).toBe(first.body.id);
    // Whoever computes the public id of a known key finds nothing there.
    await request(keyed.app)
      .get(`/v1/orders/${orderIdFor(key)}`)
      .expect(404);
  });

  it('when the secret is shorter than 32 bytes, then the api refuses to start', async () => {
    await expect(
      startApiUnderTest({ env: { ORDER_ID_SECRET: randomBytes(16).toString('base64') } }),
    ).rejects.toThrow(/ORDER_ID_SECRET: must be base64 of at least 32 bytes/);
  });
});
