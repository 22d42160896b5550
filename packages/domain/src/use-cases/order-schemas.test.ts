import { describe, expect, it } from 'vitest';
import { AppError } from '@flowstack/errors';
import { idempotencyKeySchema, parseOrThrow, placeOrderRequestSchema } from './order-schemas.js';

const valid = {
  customerEmail: 'ada@example.com',
  items: [{ productId: 'hand-grinder', quantity: 2 }],
};

describe('placeOrderRequestSchema', () => {
  it('when the order is valid, then it parses', () => {
    expect(parseOrThrow(placeOrderRequestSchema, valid, 'The order')).toEqual(valid);
  });

  it.each([
    ['an extra member', { ...valid, discount: 100 }],
    ['a missing member', { items: valid.items }],
    ['a wrong type', { ...valid, items: [{ productId: 'hand-grinder', quantity: '2' }] }],
    ['a zero quantity', { ...valid, items: [{ productId: 'hand-grinder', quantity: 0 }] }],
    ['a fractional quantity', { ...valid, items: [{ productId: 'hand-grinder', quantity: 1.5 }] }],
    ['no items', { ...valid, items: [] }],
    [
      'an SQL-looking product id',
      { ...valid, items: [{ productId: "x'; DROP TABLE orders;--", quantity: 1 }] },
    ],
    ['a bad e-mail', { ...valid, customerEmail: 'not-an-email' }],
    ['not an object', [valid]],
  ])('when the order has %s, then it is a 422 listing the path', (_case, body) => {
    let thrown: unknown;
    try {
      parseOrThrow(placeOrderRequestSchema, body, 'The order');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).status).toBe(422);
    expect((thrown as AppError).extensions.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: expect.any(String) as string })]),
    );
  });
});

describe('idempotencyKeySchema', () => {
  it.each(['short', 'has space in it', 'ключ-идемпотентности', 'x'.repeat(256)])(
    'when the key is %j, then it is refused',
    (key) => {
      expect(idempotencyKeySchema.safeParse(key).success).toBe(false);
    },
  );

  it('when the key is a UUID, then it is accepted', () => {
    expect(idempotencyKeySchema.safeParse('0b8f5f0e-1c4e-4c55-9d7e-3f1d2a9b6c01').success).toBe(
      true,
    );
  });
});
