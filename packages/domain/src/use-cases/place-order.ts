import type { Cache } from '@flowstack/cache';
import type { Queryable } from '@flowstack/db';
import { AppError } from '@flowstack/errors';
import type { Logger } from '@flowstack/observability';
import type { Publisher } from '@flowstack/queue';
import { z } from 'zod';
import {
  createStoredFingerprints,
  type StoredFingerprints,
} from '../data-access/stored-fingerprints.js';
import { publishOrderCreated, type OrderCreatedMessage } from '../order-created.js';
import { getProducts } from './catalog.js';
import { cacheKeys } from './cache-keys.js';
import { maskEmail } from './mask-email.js';
import { fingerprintOf, orderIdFor } from './order-id.js';
import {
  idempotencyKeySchema,
  parseOrThrow,
  placeOrderRequestSchema,
  type PlaceOrderRequest,
} from './order-schemas.js';

export interface PlaceOrderDeps {
  db: Queryable;
  cache: Cache;
  publisher: Publisher;
  logger: Logger;
  cacheTtlSeconds: number;
  /** How long the key's claim (fingerprint and accept time) is kept in Redis. */
  pendingTtlSeconds: number;
  /** Seals the e-mail before it leaves the API (Transit with Vault). Default: marked plaintext. */
  pii?: { seal(plaintext: string): Promise<string> };
  /** HMAC key of the order ids (see orderIdFor); without it the ids are the public UUIDv5. */
  orderIdSecret?: Uint8Array;
  /** Batched reads of stored fingerprints, shared by the requests of one process. */
  storedFingerprints?: StoredFingerprints;
  now?: () => Date;
}

export interface PlacedOrder {
  orderId: string;
  /** True when this request repeated one that had already been accepted. */
  replayed: boolean;
}

const claimSchema = z.object({ requestFingerprint: z.string(), acceptedAt: z.string() });
type Claim = z.infer<typeof claimSchema>;

/** What is known about the key before publishing. */
type KeyState =
  /** This request claimed the key in Redis: no other body can be accepted under it now. */
  | { kind: 'claimed' }
  /** The same body claimed it before (a retry): answer the same way, publish again. */
  | { kind: 'retry'; acceptedAt: string }
  /** The claim there cannot be read (written by an older release, or corrupt): PostgreSQL decides. */
  | { kind: 'unknown' };

/**
 * Accepts an order: validate, derive its id from the Idempotency-Key, claim the key in Redis with
 * the request's fingerprint (one atomic SET NX GET, so of two bodies racing for one key exactly
 * one is accepted and the other gets 422), check the products, seal the e-mail, publish
 * `order.created` and return only after the broker confirmed.
 *
 * Redis unavailable is a 503: the claim is what makes a 202 true (see claimKey).
 *
 * The claim outlives the stored order (it expires after `pendingTtlSeconds`), so a key reused
 * with another body is refused by Redis alone. For a key older than that, the stored row's
 * fingerprint is read in parallel with the publish: no wait is added, concurrent orders share
 * one batched SELECT, and a mismatch is still a 422 (the message published meanwhile names a
 * stored id and is dropped by the worker).
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
  const orderId = orderIdFor(key, deps.orderIdSecret);
  const storedFingerprints = deps.storedFingerprints ?? createStoredFingerprints(deps.db);
  const requestFingerprint = fingerprintOf(request);
  const fresh: Claim = {
    requestFingerprint,
    acceptedAt: (deps.now?.() ?? new Date()).toISOString(),
  };

  const state = await claimKey(deps, orderId, fresh);
  // Only a retry or an unanswered claim waits for PostgreSQL before publishing.
  if (state.kind !== 'claimed') {
    const stored = await storedFingerprints.find(orderId);
    if (stored !== undefined) {
      assertSameRequest(stored.requestFingerprint, requestFingerprint);
      return { orderId, replayed: true };
    }
  }
  const storedBefore = state.kind === 'claimed' ? storedFingerprints.find(orderId) : undefined;
  // Settled here so that a publish failure does not leave it rejected and unobserved.
  const olderOrder = storedBefore?.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

  const acceptedAt = state.kind === 'retry' ? state.acceptedAt : fresh.acceptedAt;
  try {
    await assertProductsExist(deps, request);
    await publishOrderCreated(
      deps.publisher,
      await messageOf(deps, request, { orderId, requestFingerprint, acceptedAt }),
    );
  } catch (error) {
    if (state.kind === 'claimed') await releaseClaim(deps, orderId);
    throw error;
  }

  if (olderOrder !== undefined) {
    const older = await olderOrder;
    if ('error' in older) throw older.error;
    if (older.value !== undefined) {
      // The key was used before this claim's lifetime: the stored row is the truth, and the
      // claim is put back to it so that retries of the stored body stay replays.
      await deps.cache
        .setJson(cacheKeys.pendingOrder(orderId), older.value, deps.pendingTtlSeconds)
        .catch(() => undefined);
      assertSameRequest(older.value.requestFingerprint, requestFingerprint);
      return { orderId, replayed: true };
    }
  }
  return { orderId, replayed: state.kind === 'retry' };
}

async function messageOf(
  deps: PlaceOrderDeps,
  request: PlaceOrderRequest,
  ids: Pick<OrderCreatedMessage, 'orderId' | 'requestFingerprint' | 'acceptedAt'>,
): Promise<OrderCreatedMessage> {
  const customerEmail =
    deps.pii === undefined
      ? `plain:${request.customerEmail}`
      : await deps.pii.seal(request.customerEmail);
  return {
    version: 1,
    ...ids,
    customerEmail,
    customerEmailMasked: maskEmail(request.customerEmail),
    items: request.items,
  };
}

/** One lookup for all the order's products (in-process tier, then Redis, then one SELECT). */
async function assertProductsExist(deps: PlaceOrderDeps, request: PlaceOrderRequest) {
  const products = await getProducts(
    deps,
    request.items.map((item) => item.productId),
  );
  const missing = request.items.findIndex((item) => !products.has(item.productId));
  if (missing !== -1) {
    throw AppError.validation('The order names a product that does not exist.', [
      {
        path: `items/${missing}/productId`,
        message: `Product ${request.items[missing]!.productId} does not exist.`,
      },
    ]);
  }
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
 * The claim lets GET show `pending` and refuses a key reused with another body. Without it there
 * is no 202 (the CacheUnavailableError is a 503 with Retry-After): with Redis down nothing could
 * stop another body under the same key from being accepted while the first is in flight, and
 * that client would hold a 202 for an order that is never stored.
 */
async function claimKey(deps: PlaceOrderDeps, orderId: string, fresh: Claim): Promise<KeyState> {
  const result = await deps.cache.claimJson(
    cacheKeys.pendingOrder(orderId),
    fresh,
    deps.pendingTtlSeconds,
    (raw) => claimSchema.parse(raw),
  );
  if (result.claimed) return { kind: 'claimed' };
  if (result.existing === undefined) return { kind: 'unknown' };
  assertSameRequest(result.existing.requestFingerprint, fresh.requestFingerprint);
  return { kind: 'retry', acceptedAt: result.existing.acceptedAt };
}

/** After a failed publish the key is free again, so the client's retry is not told "reused". */
async function releaseClaim(deps: PlaceOrderDeps, orderId: string): Promise<void> {
  await deps.cache.delete(cacheKeys.pendingOrder(orderId)).catch(() => 0);
}
