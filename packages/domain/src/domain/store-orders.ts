import { findProducts } from '../data-access/product-repository.js';
import { insertOrdersOnce } from '../data-access/order-repository.js';
import { cacheKeys } from './cache-keys.js';
import {
  orderCreatedMessageSchema,
  parseOrThrow,
  type OrderCreatedMessage,
} from './order-schemas.js';
import type { StoredOrderView } from './order-views.js';
import { priceOrder } from './price-order.js';
import { storeOrder, type StoreOrderDeps } from './store-order.js';

export interface StoredBatch {
  /** Orders this call inserted. */
  stored: number;
  /** Orders that were already stored (redeliveries, retries, repeats inside the batch). */
  duplicates: number;
}

/**
 * Stores a batch of `order.created` messages in one transaction: one catalog read, one INSERT
 * for the orders and one for their items, each order once (ON CONFLICT DO NOTHING). It is all or
 * nothing: one invalid message (4xx AppError) or a database error rejects the whole batch, and
 * the caller handles the messages one by one with `storeOrder` instead.
 */
export async function storeOrders(
  deps: StoreOrderDeps,
  bodies: readonly unknown[],
): Promise<StoredBatch> {
  const messages = new Map<string, OrderCreatedMessage>();
  for (const body of bodies) {
    const message = parseOrThrow(orderCreatedMessageSchema, body, 'The order.created message');
    if (!messages.has(message.orderId)) messages.set(message.orderId, message);
  }
  const unique = [...messages.values()];

  const { orders, storedAt } = await deps.db.withTransaction(async (tx) => {
    const catalog = await findProducts(
      tx,
      unique.flatMap((message) => message.items.map((item) => item.productId)),
    );
    const priced = unique
      .map((message) => priceOrder(message, catalog))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { orders: priced, storedAt: await insertOrdersOnce(tx, priced) };
  });

  const views: StoredOrderView[] = [];
  for (const order of orders) {
    const at = storedAt.get(order.id);
    if (at === undefined) continue;
    views.push({
      id: order.id,
      status: 'stored',
      totalCents: order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
      currency: order.currency,
      acceptedAt: new Date(order.acceptedAt).toISOString(),
      storedAt: at.toISOString(),
      ...(order.customerEmailMasked === undefined
        ? {}
        : { customerEmail: order.customerEmailMasked }),
      items: order.items,
    });
  }
  await refreshCache(deps, views);
  // Already stored before this batch: the single path re-reads and refreshes the cache.
  const duplicates = orders.filter((order) => !storedAt.has(order.id));
  for (const order of duplicates) await storeOrder(deps, messages.get(order.id));

  deps.logger.info(
    { size: bodies.length, stored: views.length, duplicates: bodies.length - views.length },
    'order batch stored',
  );
  return { stored: views.length, duplicates: bodies.length - views.length };
}

/** After commit, best effort, one warning for the batch: a stale marker only delays `stored`. */
async function refreshCache(
  deps: StoreOrderDeps,
  views: readonly StoredOrderView[],
): Promise<void> {
  if (views.length === 0) return;
  const results = await Promise.allSettled([
    ...views.map((view) =>
      deps.cache.setJson(cacheKeys.storedOrder(view.id), view, deps.cacheTtlSeconds),
    ),
    deps.cache.delete(...views.map((view) => cacheKeys.pendingOrder(view.id))),
  ]);
  const failed = results.filter((result) => result.status === 'rejected');
  if (failed.length > 0) {
    deps.logger.warn(
      { orders: views.length, failed: failed.length, err: failed[0]?.reason },
      'cache not refreshed after batch store',
    );
  }
}
