import { randomUUID } from 'node:crypto';
import { createCache, type Cache } from '@flowstack/cache';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { createDatabase, type Database } from '@flowstack/db';
import { isAppError } from '@flowstack/errors';
import { createLogger } from '@flowstack/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProduct } from '../testing/factories.js';
import { testEnvironment } from '../testing/test-environment.js';
import { cacheKeys } from './cache-keys.js';
import { fingerprintOf, orderIdFor } from './order-id.js';
import type { OrderCreatedMessage } from '../order-created.js';
import type { ProductView } from './order-views.js';
import { storeOrders } from './store-orders.js';
import type { StoreOrderDeps } from './store-order.js';

let db: Database;
let cache: Cache;
let deps: StoreOrderDeps;
let product: ProductView;

beforeAll(async () => {
  const env = testEnvironment();
  const logger = createLogger({ service: 'domain-test', level: 'silent' });
  db = await createDatabase({
    host: env.POSTGRES_HOST!,
    port: Number(env.POSTGRES_PORT),
    database: env.POSTGRES_DB!,
    credentials: createStaticCredentialSource({ username: env.POSTGRES_USER }),
    logger,
  });
  cache = await createCache({
    host: env.REDIS_HOST!,
    port: Number(env.REDIS_PORT),
    keyPrefix: `test:domain:${randomUUID()}:`,
    credentials: createStaticCredentialSource({}),
    logger,
  });
  deps = { db, cache, logger, cacheTtlSeconds: 60 };
  product = await createTestProduct(db, { priceCents: 250 });
});

afterAll(async () => {
  await cache?.close();
  await db?.close();
});

function messageFor(products: readonly ProductView[], quantity = 2): OrderCreatedMessage {
  const request = {
    customerEmail: `batch-${randomUUID().slice(0, 8)}@example.com`,
    items: products.map((item) => ({ productId: item.id, quantity })),
  };
  return {
    version: 1,
    orderId: orderIdFor(randomUUID()),
    requestFingerprint: fingerprintOf(request),
    customerEmail: request.customerEmail,
    items: request.items,
    acceptedAt: new Date().toISOString(),
  };
}

async function storedRows(ids: readonly string[]) {
  const { rows } = await db.query<{ id: string; total_cents: number; lines: number }>(
    `SELECT o.id, o.total_cents, count(i.line)::int AS lines
     FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
     WHERE o.id = ANY($1::uuid[]) GROUP BY o.id`,
    [ids],
  );
  return rows;
}

describe('storeOrders', () => {
  it('when a batch of valid orders arrives, then each is priced and stored once with its items, and its idempotency claim is kept', async () => {
    const second = await createTestProduct(db, { priceCents: 1000 });
    const messages = Array.from({ length: 20 }, () => messageFor([product, second]));
    for (const message of messages) {
      await cache.setJson(
        cacheKeys.pendingOrder(message.orderId),
        { acceptedAt: message.acceptedAt },
        60,
      );
    }

    const result = await storeOrders(deps, messages);

    expect(result).toEqual({ stored: 20, duplicates: 0 });
    const rows = await storedRows(messages.map((message) => message.orderId));
    expect(rows).toHaveLength(20);
    for (const row of rows) {
      expect(row).toMatchObject({ total_cents: 2 * 250 + 2 * 1000, lines: 2 });
    }
    // The claim is what refuses the key reused with another body (F6): it outlives the store.
    for (const message of messages) {
      expect(await cache.getJson(cacheKeys.pendingOrder(message.orderId), (raw) => raw)).toEqual({
        acceptedAt: message.acceptedAt,
      });
    }
  });

  it('when a batch repeats orders (inside it and from an earlier batch), then every order is stored exactly once', async () => {
    const earlier = messageFor([product]);
    await storeOrders(deps, [earlier]);
    const fresh = messageFor([product]);

    const result = await storeOrders(deps, [earlier, fresh, fresh, earlier]);

    expect(result).toEqual({ stored: 1, duplicates: 3 });
    const rows = await storedRows([earlier.orderId, fresh.orderId]);
    expect(rows.map((row) => row.lines)).toEqual([1, 1]);
  });

  it('when one message of the batch names an unknown product, then the batch is refused as a whole with a 4xx and nothing is stored', async () => {
    const good = messageFor([product]);
    const poison = {
      ...messageFor([product]),
      items: [{ productId: `missing-${randomUUID()}`, quantity: 1 }],
    };

    const error: unknown = await storeOrders(deps, [good, poison]).catch(
      (caught: unknown) => caught,
    );

    expect(isAppError(error) && error.status).toBe(422);
    expect(await storedRows([good.orderId, poison.orderId])).toEqual([]);
  });

  it('when two batches with the same orders run at the same time, then each order is stored once', async () => {
    const messages = Array.from({ length: 30 }, () => messageFor([product]));
    const reversed = [...messages].reverse();

    const results = await Promise.all([storeOrders(deps, messages), storeOrders(deps, reversed)]);

    expect(results.reduce((sum, result) => sum + result.stored, 0)).toBe(30);
    expect(await storedRows(messages.map((message) => message.orderId))).toHaveLength(30);
  });
});
