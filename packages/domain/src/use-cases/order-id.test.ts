import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, orderIdFor } from './order-id.js';

describe('orderIdFor', () => {
  it('when given the same key twice, then it gives the same RFC 9562 version-5 UUID', () => {
    const id = orderIdFor('0b8f5f0e-1c4e-4c55-9d7e-3f1d2a9b6c01');
    expect(id).toBe(orderIdFor('0b8f5f0e-1c4e-4c55-9d7e-3f1d2a9b6c01'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('when given different keys, then the ids differ', () => {
    const ids = new Set(Array.from({ length: 1000 }, (_, i) => orderIdFor(`key-${i}-abcdef`)));
    expect(ids.size).toBe(1000);
  });
});

describe('orderIdFor with a secret', () => {
  const secret = randomBytes(32);
  const key = '0b8f5f0e-1c4e-4c55-9d7e-3f1d2a9b6c01';

  it('when given the same key and secret twice, then it gives the same RFC 9562 version-8 UUID', () => {
    const id = orderIdFor(key, secret);
    expect(id).toBe(orderIdFor(key, Buffer.from(secret)));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('when the id is derived, then it is the HMAC-SHA256 of the key under the secret', () => {
    const mac = createHmac('sha256', secret).update(key, 'utf8').digest('hex');
    const id = orderIdFor(key, secret).replaceAll('-', '');
    // All 128 bits but the 4 version and 2 variant bits come from the MAC.
    expect(id.slice(0, 12)).toBe(mac.slice(0, 12));
    expect(id.slice(13, 16)).toBe(mac.slice(13, 16));
    expect(id.slice(17)).toBe(mac.slice(17, 32));
  });

  it('when the key is known but the secret is not, then neither the public derivation nor another secret gives the id', () => {
    const id = orderIdFor(key, secret);
    expect(orderIdFor(key)).not.toBe(id);
    expect(orderIdFor(key, randomBytes(32))).not.toBe(id);
    expect(orderIdFor(key, Buffer.alloc(32))).not.toBe(id);
  });

  it('when given different keys, then the ids differ', () => {
    const ids = new Set(
      Array.from({ length: 1000 }, (_, i) => orderIdFor(`key-${i}-abcdef`, secret)),
    );
    expect(ids.size).toBe(1000);
  });
});

describe('fingerprintOf', () => {
  it('when only the member order differs, then the fingerprint is the same', () => {
    expect(fingerprintOf({ a: 1, b: [{ x: 1, y: 2 }] })).toBe(
      fingerprintOf({ b: [{ y: 2, x: 1 }], a: 1 }),
    );
  });

  it('when a value differs, then the fingerprint differs', () => {
    expect(fingerprintOf({ items: [{ quantity: 1 }] })).not.toBe(
      fingerprintOf({ items: [{ quantity: 2 }] }),
    );
  });
});
