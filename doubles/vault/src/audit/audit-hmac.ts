import { createHmac } from 'node:crypto';

export function hmacValue(salt: Buffer, value: string): string {
  return `hmac-sha256:${createHmac('sha256', salt).update(value).digest('hex')}`;
}

/** Every string leaf HMAC'd, numbers/booleans/null kept, as Vault's audit hashing does. */
export function hashStrings(salt: Buffer, value: unknown): unknown {
  if (typeof value === 'string') return hmacValue(salt, value);
  if (Array.isArray(value)) return value.map((item) => hashStrings(salt, item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hashStrings(salt, v)]));
  }
  return value;
}
