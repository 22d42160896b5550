import type { Cache } from '@flowstack/cache';
import type { Queryable } from '@flowstack/db';
import { AppError, isAppError } from '@flowstack/errors';
import type { Logger } from '@flowstack/observability';
import type { Publisher } from '@flowstack/queue';
import { z } from 'zod';
import { findStoredOrder } from '../data-access/order-repository.js';
import { getProduct } from './catalog.js';
import { maskEmail } from './mask-email.js';
import { cacheKeys, ORDER_CREATED } from './cache-keys.js';
import { fingerprintOf, orderIdFor } from './order-id.js';
import {
  idempotencyKeySchema,
  parseOrThrow,
  placeOrderRequestSchema,
  type OrderCreatedMessage,
} from './order-schemas.js';

export interface PlaceOrderDeps {
  db: Queryable;
  cache: Cache;
  publisher: Publisher;
  logger: Logger;
  cacheTtlSeconds: number;
  pendingTtlSeconds: number;
  /** Seals the e-mail before it leaves the API (Transit with Vault). Default: marked plaintext. */
  pii?: { seal(plaintext: string): Promise<string> };
  now?: () => Date;
}

export interface PlacedOrder {
  orderId: string;
  /** True when this request repeated one that had already been accepted. */
  replayed: boolean;
}

const pendingMarkerSchema = z.object({ requestFingerprint: z.string(), acceptedAt: z.string() });
type PendingMarker = z.infer<typeof pendingMarkerSchema>;

/**
 * Accepts an order: validate, derive its id from the Idempotency-Key, mark it pending in Redis,
 * publish `order.created` and return only after the broker confirmed. A retry with the same key
 * and body is answered the same way and publishes again (the worker stores one row); the same key
 * with another body is refused.
 */
export async function placeOrder(
  deps: PlaceOrderDeps,
  input: { idempotencyKey: string | undefined; body: unknown },
): Promise<PlacedOrder> {
  if (input.idempotencyKey === undefined) {
    throw new AppError('The Idempotency-Key header is required.', {
      status: 400,
      code: 'idempotency-key-missing',
    });
  }
  const key = parseOrThrow(
    idempotencyKeySchema,
    input.idempotencyKey,
    'The Idempotency-Key header',
  );
  const request = parseOrThrow(placeOrderRequestSchema, input.body, 'The order');
  const orderId = orderIdFor(key);
  const requestFingerprint = fingerprintOf(request);

  const stored = await findStoredOrder(deps.db, orderId);
  if (stored !== undefined) {
    assertSameRequest(stored.requestFingerprint, requestFingerprint);
    return { orderId, replayed: true };
  }

  for (const item of request.items) {
    try {
      await getProduct(deps, item.productId);
    } catch (error) {
      if (isAppError(error) && error.status === 404) {
        throw AppError.validation('The order names a product that does not exist.', [
          { path: `items/${request.items.indexOf(item)}/productId`, message: error.message },
        ]);
      }
      throw error;
    }
  }

  const marker = await claimPendingMarker(deps, orderId, {
    requestFingerprint,
    acceptedAt: (deps.now?.() ?? new Date()).toISOString(),
  });
  const customerEmail =
    deps.pii === undefined
      ? `plain:${request.customerEmail}`
      : await deps.pii.seal(request.customerEmail);
  const message: OrderCreatedMessage = {
    version: 1,
    orderId,
    requestFingerprint,
    customerEmail,
    customerEmailMasked: maskEmail(request.customerEmail),
    items: request.items,
    acceptedAt: marker.value.acceptedAt,
  };
  try {
    await deps.publisher.publish(ORDER_CREATED, message, { messageId: orderId });
  } catch (error) {
    if (marker.createdHere) await deps.cache.delete(cacheKeys.pendingOrder(orderId)).catch(() => 0);
    throw error;
  }
  return { orderId, replayed: !marker.createdHere };
}

function assertSameRequest(existing: string, incoming: string): void {
  if (existing !== incoming) {
    throw new AppError('This Idempotency-Key was already used with a different request.', {
      status: 422,
      code: 'idempotency-key-reused',
    });
  }
}

/**
 * The marker lets GET show `pending` and catches a key reused with another body while the first
 * is in flight. With Redis down the order is still accepted: the id (from the key) keeps it single.
 */
async function claimPendingMarker(
  deps: PlaceOrderDeps,
  orderId: string,
  fresh: PendingMarker,
): Promise<{ value: PendingMarker; createdHere: boolean }> {
  const redisKey = cacheKeys.pendingOrder(orderId);
  try {
    if (await deps.cache.setJsonIfAbsent(redisKey, fresh, deps.pendingTtlSeconds)) {
      return { value: fresh, createdHere: true };
    }
    const existing = await deps.cache.getJson(redisKey, (raw) => pendingMarkerSchema.parse(raw));
    if (existing === undefined) return { value: fresh, createdHere: false };
    assertSameRequest(existing.requestFingerprint, fresh.requestFingerprint);
    return { value: existing, createdHere: false };
  } catch (error) {
    if (isAppError(error) && error.code === 'idempotency-key-reused') throw error;
    deps.logger.warn({ orderId, err: error }, 'pending marker not written; Redis unavailable');
    return { value: fresh, createdHere: false };
  }
}
