import type { Cache } from '@flowstack/cache';
import type { Queryable } from '@flowstack/db';
import { AppError } from '@flowstack/errors';
import { z } from 'zod';
import { findStoredOrder, type StoredOrder } from '../data-access/order-repository.js';
import { cacheKeys } from './cache-keys.js';
import { orderIdSchema } from './order-schemas.js';
import type { OrderView, StoredOrderView } from './order-views.js';

export interface GetOrderDeps {
  db: Queryable;
  cache: Cache;
  cacheTtlSeconds: number;
}

const storedOrderViewSchema = z.object({
  id: z.string(),
  status: z.literal('stored'),
  totalCents: z.number(),
  currency: z.string(),
  acceptedAt: z.string(),
  storedAt: z.string(),
  customerEmail: z.string().optional(),
  items: z.array(
    z.object({ productId: z.string(), quantity: z.number(), unitPriceCents: z.number() }),
  ),
});
const pendingSchema = z.object({ acceptedAt: z.string() });

export function toPublicOrder(order: StoredOrder): StoredOrderView {
  const { requestFingerprint: _internal, ...view } = order;
  return view;
}

/** A stored order (immutable, so cached), else the pending marker, else 404. */
export async function getOrder(deps: GetOrderDeps, id: string): Promise<OrderView> {
  if (!orderIdSchema.safeParse(id).success) throw AppError.notFound('No order has this id.');
  const stored = await deps.cache.getOrLoad(
    cacheKeys.storedOrder(id),
    deps.cacheTtlSeconds,
    async () => {
      const order = await findStoredOrder(deps.db, id);
      return order === undefined ? undefined : toPublicOrder(order);
    },
    (raw) => storedOrderViewSchema.parse(raw),
  );
  if (stored !== undefined) return stored;
  const pending = await deps.cache
    .getJson(cacheKeys.pendingOrder(id), (raw) => pendingSchema.parse(raw))
    .catch(() => undefined);
  if (pending !== undefined) return { id, status: 'pending', acceptedAt: pending.acceptedAt };
  // The worker may have stored the order (and removed the marker) between the two reads above.
  const late = await findStoredOrder(deps.db, id);
  if (late !== undefined) return toPublicOrder(late);
  throw AppError.notFound(
    'No order has this id (an order accepted moments ago may not be visible while the cache is down).',
  );
}
