import type { Cache } from '@flowstack/cache';
import type { Database } from '@flowstack/db';
import type { Logger } from '@flowstack/observability';
import { findProducts } from '../data-access/product-repository.js';
import { insertOrderOnce } from '../data-access/order-repository.js';
import { orderCreatedMessageSchema } from '../order-created.js';
import { parseOrThrow } from './order-schemas.js';
import { priceOrder } from './price-order.js';

export interface StoreOrderDeps {
  db: Database;
  cache: Cache;
  logger: Logger;
  cacheTtlSeconds: number;
}

/**
 * Prices an accepted order from the catalog and stores it exactly once. A 4xx AppError means
 * the message can never succeed (poison); anything else is worth a retry.
 */
export async function storeOrder(
  deps: StoreOrderDeps,
  body: unknown,
): Promise<{ stored: boolean }> {
  const message = parseOrThrow(orderCreatedMessageSchema, body, 'The order.created message');

  const stored = await deps.db.withTransaction(async (tx) => {
    const catalog = await findProducts(
      tx,
      message.items.map((item) => item.productId),
    );
    return insertOrderOnce(tx, priceOrder(message, catalog));
  });

  // Nothing is written to Redis (as in storeOrders): the api caches the stored view on the first
  // GET. The worker's Redis user has no access to the api's keys, so that nothing it writes is
  // ever served or trusted by the api (F10).
  deps.logger.info(
    { orderId: message.orderId, duplicate: !stored },
    stored ? 'order stored' : 'order already stored',
  );
  return { stored };
}
