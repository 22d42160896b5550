import { randomBytes, randomUUID } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random base62 text of `length` characters (rejection sampling keeps it unbiased). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** A service token in the Vault >= 1.10 format. */
export function newServiceToken(): string {
  return `hvs.${randomBase62(24)}`;
}

export function newAccessor(): string {
  return randomBase62(24);
}

export function newUuid(): string {
  return randomUUID();
}
