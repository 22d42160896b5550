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

let harness: WorkerUnderTest;
let grinder: ProductView;
let beans: ProductView;
beforeAll(async () => {
  harness = await startWorkerUnderTest();
  grinder = await createTestProduct(harness.db, { priceCents: 8900 });
  beans = await createTestProduct(harness.db, { priceCents: 2490 });
});
afterAll(async () => {
  await harness.close();
});

function orderMessage(items: { productId: string; quantity: number }[]): OrderCreatedMessage {
  const request = { customerEmail: 'ada@example.com', items };
  return {
    version: 1,
    orderId: orderIdFor(randomUUID()),
    requestFingerprint: fingerprintOf(request),
    ...request,
    acceptedAt: new Date().toISOString(),
  };
}

const storedRows = async (orderId: string) =>
  (
    await harness.db.query<{ total_cents: number }>(
      'SELECT total_cents FROM orders WHERE id = $1',
      [orderId],
    )
  ).rows;

describe('the order.created consumer', () => {
  it('when an order arrives, then it is priced from the catalog and stored once', async () => {
    const message = orderMessage([
      { productId: grinder.id, quantity: 1 },
      { productId: beans.id, quantity: 2 },
    ]);
    await harness.publish(message, message.orderId);
    const rows = await waitFor(async () => {
      const found = await storedRows(message.orderId);
      return found.length > 0 ? found : undefined;
    });
    expect(rows).toEqual([{ total_cents: 8900 + 2 * 2490 }]);
    const items = await harness.db.query(
      'SELECT product_id, quantity, unit_price_cents FROM order_items WHERE order_id = $1 ORDER BY line',
      [message.orderId],
    );
    expect(items.rows).toEqual([
      { product_id: grinder.id, quantity: 1, unit_price_cents: 8900 },
      { product_id: beans.id, quantity: 2, unit_price_cents: 2490 },
    ]);
  });

  it('when the same message is delivered three times, then one row is stored', async () => {
    const message = orderMessage([{ productId: beans.id, quantity: 1 }]);
    for (let i = 0; i < 3; i += 1) await harness.publish(message, message.orderId);
    const marker = orderMessage([{ productId: beans.id, quantity: 1 }]);
    await harness.publish(marker, marker.orderId);
    await waitFor(async () => ((await storedRows(marker.orderId)).length > 0 ? true : undefined));
    expect(await storedRows(message.orderId)).toHaveLength(1);
    const items = await harness.db.query(
      'SELECT count(*)::int AS n FROM order_items WHERE order_id = $1',
      [message.orderId],
    );
    expect(items.rows[0]).toEqual({ n: 1 });
  });

  it('when messages are poison, then they are dead-lettered and the worker keeps storing', async () => {
    const unknownProduct = orderMessage([{ productId: 'no-such-product', quantity: 1 }]);
    await harness.publish('{"this is": not json', 'poison-json');
    await harness.publish({ version: 99, hello: 'world' }, 'poison-shape');
    await harness.publish(unknownProduct, unknownProduct.orderId);
    const good = orderMessage([{ productId: grinder.id, quantity: 3 }]);
    await harness.publish(good, good.orderId);

    await waitFor(async () => ((await storedRows(good.orderId)).length > 0 ? true : undefined));
    const dead: { body: string }[] = [];
    await waitFor(async () => {
      dead.push(...(await harness.drainDeadLetters()));
      return dead.length >= 3 ? true : undefined;
    });
    expect(dead).toHaveLength(3);
    expect(await storedRows(unknownProduct.orderId)).toHaveLength(0);
    const ready = await fetch(`${harness.worker.url}/health/ready`);
    expect(ready.status).toBe(200);
  });
});

describe('the worker health server', () => {
  it('when asked, then it serves live, ready and metrics with queue counters', async () => {
    expect((await fetch(`${harness.worker.url}/health/live`)).status).toBe(200);
    const metrics = await (await fetch(`${harness.worker.url}/metrics`)).text();
    expect(metrics).toMatch(/flowstack_queue_acked_total\{[^}]*\} [1-9]/);
    const missing = await fetch(`${harness.worker.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
