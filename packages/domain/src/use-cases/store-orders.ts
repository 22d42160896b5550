import { findProducts } from '../data-access/product-repository.js';
import { insertOrdersOnce } from '../data-access/order-repository.js';
import { cacheKeys } from './cache-keys.js';
import {
  orderCreatedMessageSchema,
  parseOrThrow,
  type OrderCreatedMessage,
} from './order-schemas.js';
import { priceOrder } from './price-order.js';
import { storeOrder, type StoreOrderDeps } from './store-order.js';

export interface StoredBatch {
  /** Orders this call inserted. */
  stored: number;
  /** Orders that were already stored (redeliveries, retries, repeats inside the batch). */
  duplicates: number;
}

/**
 * Stores a batch of `order.created` messages: one catalog read, then one statement inserting the
 * orders and their items, each order once (ON CONFLICT DO NOTHING). It is all or nothing: one
 * invalid message (4xx AppError) or a database error rejects the whole batch, and the caller
 * handles the messages one by one with `storeOrder` instead.
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

  // Two round trips for the whole batch: the prices, then one atomic INSERT of orders and items.
  // A transaction around both would add BEGIN and COMMIT and no consistency: under READ
  // COMMITTED the INSERT would not see the catalog as the SELECT did anyway.
  const catalog = await findProducts(
    deps.db,
    unique.flatMap((message) => message.items.map((item) => item.productId)),
  );
  const orders = unique
    .map((message) => priceOrder(message, catalog))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const storedAt = await insertOrdersOnce(deps.db, orders);

  const inserted = orders.filter((order) => storedAt.has(order.id));
  await dropPendingMarkers(
    deps,
    inserted.map((order) => order.id),
  );
  // Already stored before this batch: the single path re-reads and refreshes the cache.
  const duplicates = orders.filter((order) => !storedAt.has(order.id));
  for (const order of duplicates) await storeOrder(deps, messages.get(order.id));

  deps.logger.info(
    { size: bodies.length, stored: inserted.length, duplicates: bodies.length - inserted.length },
    'order batch stored',
  );
  return { stored: inserted.length, duplicates: bodies.length - inserted.length };
}

/**
 * After commit, best effort, one command for the batch. The stored view is not written ahead (one
 * SET per order was a third of the batch's cost): the first GET loads it from PostgreSQL and
 * caches it, as for any cache-aside read. A marker left behind only shows `pending` until GET
 * finds the stored row, which it checks first.
 */
async function dropPendingMarkers(deps: StoreOrderDeps, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    await deps.cache.delete(...ids.map((id) => cacheKeys.pendingOrder(id)));
  } catch (error) {
    deps.logger.warn(
      { orders: ids.length, err: error },
      'pending markers not dropped after batch store',
    );
  }
}
