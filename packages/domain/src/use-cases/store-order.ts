import type { Cache } from '@flowstack/cache';
import type { Database } from '@flowstack/db';
import type { Logger } from '@flowstack/observability';
import { findProducts } from '../data-access/product-repository.js';
import { findStoredOrder, insertOrderOnce } from '../data-access/order-repository.js';
import { cacheKeys } from './cache-keys.js';
import { orderCreatedMessageSchema } from '../order-created.js';
import { parseOrThrow } from './order-schemas.js';
import { toPublicOrder } from './get-order.js';
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

  await refreshCache(deps, message.orderId);
  deps.logger.info(
    { orderId: message.orderId, duplicate: !stored },
    stored ? 'order stored' : 'order already stored',
  );
  return { stored };
}

/**
 * After commit, best effort: the stored view is written ahead so the next GET is a hit. The
 * key's claim (`order:pending:<id>`) stays until it expires: it is what refuses the key reused
 * with another body, and GET looks for the stored order before it.
 */
async function refreshCache(deps: StoreOrderDeps, orderId: string): Promise<void> {
  try {
    const order = await findStoredOrder(deps.db, orderId);
    if (order !== undefined) {
      await deps.cache.setJson(
        cacheKeys.storedOrder(orderId),
        toPublicOrder(order),
        deps.cacheTtlSeconds,
      );
    }
  } catch (error) {
    deps.logger.warn({ orderId, err: error }, 'cache not refreshed after store');
  }
}
