import { createHash, createHmac } from 'node:crypto';

/** RFC 9562 namespace of the unkeyed ids (a fixed random UUID, published in this file). */
const ORDER_NAMESPACE = Buffer.from('5b0f1f8a6d2a4c5e9f1e3c2b7a8d9e10', 'hex');

/** Shortest order-id secret accepted: an HMAC-SHA256 key of full strength. */
export const ORDER_ID_SECRET_MIN_BYTES = 32;

/**
 * The order id derived from the Idempotency-Key, so every retry of one request, and every
 * redelivery of its message, names the same row, and the primary key alone prevents a double,
 * even when Redis (where the key's claim lives) is down.
 *
 * With `secret` (the deployed default, see decision 002) the id is an RFC 9562 version-8 UUID
 * made of HMAC-SHA256(secret, key): nobody without the secret can tell the id of a key, so a
 * guessed or leaked key does not lead to the order (`GET /v1/orders/:id` is not authenticated).
 * Without it the id is the version-5 UUID of the key under the namespace above, which anyone
 * can compute: the unkeyed form of a stack without Vault and without ORDER_ID_SECRET.
 */
export function orderIdFor(idempotencyKey: string, secret?: Uint8Array): string {
  const bytes =
    secret === undefined
      ? createHash('sha1').update(ORDER_NAMESPACE).update(idempotencyKey, 'utf8').digest()
      : createHmac('sha256', secret).update(idempotencyKey, 'utf8').digest();
  const id = bytes.subarray(0, 16);
  id[6] = (id[6]! & 0x0f) | (secret === undefined ? 0x50 : 0x80);
  id[8] = (id[8]! & 0x3f) | 0x80;
  const hex = id.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A stable hash of the request, to tell a retry from a different order reusing a key. */
export function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
