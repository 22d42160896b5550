import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fingerprintOf,
  orderIdFor,
  type OrderCreatedMessage,
  type ProductView,
} from '@flowstack/domain';
import { createTestProduct } from '@flowstack/domain/testing';
import { waitFor } from '@flowstack/test-kit';
import { startWorkerUnderTest, type WorkerUnderTest } from './support/worker-under-test.js';

function orderMessage(productId: string, quantity = 1): OrderCreatedMessage {
  const request = { customerEmail: 'grace@example.com', items: [{ productId, quantity }] };
  return {
    version: 1,
    orderId: orderIdFor(randomUUID()),
    requestFingerprint: fingerprintOf(request),
    ...request,
    customerEmailMasked: 'g***@example.com',
    acceptedAt: new Date().toISOString(),
  };
}

async function stored(harness: WorkerUnderTest, ids: readonly string[]) {
  const { rows } = await harness.db.query<{ n: number; batches: number }>(
    'SELECT count(*)::int AS n, count(DISTINCT stored_at)::int AS batches FROM orders WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return rows[0]!;
}

describe('the batching consumer', () => {
  let harness: WorkerUnderTest;
  let product: ProductView;
  beforeAll(async () => {
    harness = await startWorkerUnderTest({ WORKER_BATCH_SIZE: '16', WORKER_PREFETCH: '64' });
    product = await createTestProduct(harness.db, { priceCents: 700 });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('when many orders arrive together with one poison among them, then every good order is stored once, in shared transactions, and only the poison is dead-lettered', async () => {
    const good = Array.from({ length: 60 }, () => orderMessage(product.id, 2));
    const poison = orderMessage(`missing-${randomUUID()}`);
    const all = [...good.slice(0, 30), poison, ...good.slice(30), good[0]!];

    await harness.publishAll(all.map((body) => ({ body, messageId: body.orderId })));

    const ids = good.map((message) => message.orderId);
    const result = await waitFor(
      async () => {
        const found = await stored(harness, ids);
        return found.n === good.length ? found : undefined;
      },
      { timeoutMs: 20_000 },
    );
    // Orders of one transaction share stored_at (now() is the transaction's start).
    expect(result.batches).toBeLessThan(good.length);
    const dead = await waitFor(async () => {
      const letters = await harness.drainDeadLetters();
      return letters.length > 0 ? letters : undefined;
    });
    expect(dead.map((letter) => (JSON.parse(letter.body) as { orderId: string }).orderId)).toEqual([
      poison.orderId,
    ]);
    expect((await stored(harness, [poison.orderId])).n).toBe(0);
    const totals = await harness.db.query<{ total_cents: number }>(
      'SELECT DISTINCT total_cents FROM orders WHERE id = ANY($1::uuid[])',
      [ids],
    );
    expect(totals.rows).toEqual([{ total_cents: 1400 }]);
    const masked = await harness.db.query<{ customer_email_masked: string | null }>(
      'SELECT DISTINCT customer_email_masked FROM orders WHERE id = ANY($1::uuid[])',
      [ids],
    );
    expect(masked.rows).toEqual([{ customer_email_masked: 'g***@example.com' }]);
  });
});

describe('the consumer with batching off', () => {
  let harness: WorkerUnderTest;
  let product: ProductView;
  beforeAll(async () => {
    harness = await startWorkerUnderTest({ WORKER_BATCH_SIZE: '1' });
    product = await createTestProduct(harness.db, { priceCents: 300 });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('when orders arrive together, then each is stored in a transaction of its own', async () => {
    const messages = Array.from({ length: 10 }, () => orderMessage(product.id));

    await harness.publishAll(messages.map((body) => ({ body, messageId: body.orderId })));

    const ids = messages.map((message) => message.orderId);
    const result = await waitFor(
      async () => {
        const found = await stored(harness, ids);
        return found.n === messages.length ? found : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(result.batches).toBe(messages.length);
  });
});
