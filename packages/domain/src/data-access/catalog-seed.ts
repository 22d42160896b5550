import type { Queryable } from '@flowstack/db';
import type { ProductView } from '../use-cases/order-views.js';
import { upsertProducts } from './product-repository.js';

/** A small catalog so that a fresh local stack has something to read and order. */
export const SEED_PRODUCTS: readonly ProductView[] = [
  {
    id: 'espresso-beans-1kg',
    name: 'Espresso beans, 1 kg',
    description: 'Dark roast, whole bean.',
    priceCents: 2490,
    currency: 'EUR',
  },
  {
    id: 'filter-beans-500g',
    name: 'Filter beans, 500 g',
    description: 'Light roast, whole bean.',
    priceCents: 1590,
    currency: 'EUR',
  },
  {
    id: 'hand-grinder',
    name: 'Hand grinder',
    description: 'Steel burrs, 40 settings.',
    priceCents: 8900,
    currency: 'EUR',
  },
  {
    id: 'pour-over-kettle',
    name: 'Pour-over kettle',
    description: '1 l, gooseneck.',
    priceCents: 4500,
    currency: 'EUR',
  },
  {
    id: 'ceramic-dripper',
    name: 'Ceramic dripper',
    description: 'Size 02.',
    priceCents: 2200,
    currency: 'EUR',
  },
  {
    id: 'paper-filters-100',
    name: 'Paper filters, 100',
    description: 'Size 02, unbleached.',
    priceCents: 590,
    currency: 'EUR',
  },
  {
    id: 'milk-jug-350ml',
    name: 'Milk jug, 350 ml',
    description: 'Stainless steel.',
    priceCents: 1900,
    currency: 'EUR',
  },
  {
    id: 'scale-0-1g',
    name: 'Coffee scale',
    description: '0.1 g resolution, timer.',
    priceCents: 3900,
    currency: 'EUR',
  },
];

export async function seedCatalog(db: Queryable): Promise<number> {
  await upsertProducts(db, SEED_PRODUCTS);
  return SEED_PRODUCTS.length;
}
