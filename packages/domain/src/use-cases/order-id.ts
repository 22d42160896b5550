import { createHash } from 'node:crypto';

/** RFC 9562 namespace for flowstack order ids (a fixed random UUID). */
const ORDER_NAMESPACE = Buffer.from('5b0f1f8a6d2a4c5e9f1e3c2b7a8d9e10', 'hex');

/**
 * The order id is a UUIDv5 of the Idempotency-Key. Every retry of one request, and every
 * redelivery of its message, names the same row, so the primary key alone prevents a double,
 * even when Redis (where the pending marker lives) is down.
 */
export function orderIdFor(idempotencyKey: string): string {
  const hash = createHash('sha1').update(ORDER_NAMESPACE).update(idempotencyKey, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
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
