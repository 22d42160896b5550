import { findProducts } from '../data-access/product-repository.js';
import { insertOrdersOnce } from '../data-access/order-repository.js';
import { orderCreatedMessageSchema, type OrderCreatedMessage } from '../order-created.js';
import { parseOrThrow } from './order-schemas.js';
import { priceOrder } from './price-order.js';
import type { StoreOrderDeps } from './store-order.js';

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

  const stored = orders.filter((order) => storedAt.has(order.id)).length;
  // Nothing is written to Redis: the first GET of an order loads it from PostgreSQL and caches
  // it (one SET per order was a third of the batch's cost), and the keys' claims stay until they
  // expire, so a key reused with another body is refused after the store as before it.
  deps.logger.info(
    { size: bodies.length, stored, duplicates: bodies.length - stored },
    'order batch stored',
  );
  return { stored, duplicates: bodies.length - stored };
}
