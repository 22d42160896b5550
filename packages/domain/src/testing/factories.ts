import { randomUUID } from 'node:crypto';
import type { Queryable } from '@flowstack/db';
import { upsertProducts } from '../data-access/product-repository.js';
import type { ProductView } from '../use-cases/order-views.js';

/** A product with a unique id, stored, for a test that needs its own catalog rows. */
export async function createTestProduct(
  db: Queryable,
  overrides: Partial<ProductView> = {},
): Promise<ProductView> {
  const product: ProductView = {
    id: `test-${randomUUID()}`,
    name: 'Test product',
    description: 'Made by a test.',
    priceCents: 1234,
    currency: 'EUR',
    ...overrides,
  };
  await upsertProducts(db, [product]);
  return product;
}

export function uniqueIdempotencyKey(): string {
  return randomUUID();
}

export function orderRequestFor(
  products: readonly ProductView[],
  quantity = 1,
): {
  customerEmail: string;
  items: { productId: string; quantity: number }[];
} {
  return {
    customerEmail: `buyer-${randomUUID().slice(0, 8)}@example.com`,
    items: products.map((product) => ({ productId: product.id, quantity })),
  };
}
