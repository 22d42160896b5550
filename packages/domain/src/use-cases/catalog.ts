import type { Cache, CachedBody } from '@flowstack/cache';
import type { Queryable } from '@flowstack/db';
import { AppError } from '@flowstack/errors';
import { z } from 'zod';
import * as products from '../data-access/product-repository.js';
import { cacheKeys } from './cache-keys.js';
import { productIdSchema } from './order-schemas.js';
import type { ProductView } from './order-views.js';

export interface CatalogDeps {
  db: Queryable;
  cache: Cache;
  cacheTtlSeconds: number;
}

const productViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  priceCents: z.number().int(),
  currency: z.string(),
});
const parseProduct = (raw: unknown): ProductView => productViewSchema.parse(raw);
const parseProductList = (raw: unknown): ProductView[] => z.array(productViewSchema).parse(raw);

function assertProductId(id: string): void {
  if (!productIdSchema.safeParse(id).success) {
    throw AppError.notFound(`Product ${JSON.stringify(id.slice(0, 64))} does not exist.`);
  }
}

/**
 * The product as its JSON body and ETag, kept with the cache entry: a cache hit is answered
 * without serialising or hashing anything.
 */
export async function getProductBody(deps: CatalogDeps, id: string): Promise<CachedBody> {
  assertProductId(id);
  const body = await deps.cache.getBodyOrLoad(
    cacheKeys.product(id),
    deps.cacheTtlSeconds,
    () => products.findProduct(deps.db, id),
    parseProduct,
  );
  if (body === undefined) throw AppError.notFound(`Product ${id} does not exist.`);
  return body;
}

/** The products that exist among `ids`, by id: cache tiers first, one SELECT for the rest. */
export async function getProducts(
  deps: CatalogDeps,
  ids: readonly string[],
): Promise<Map<string, ProductView>> {
  const byKey = await deps.cache.getManyOrLoad(
    ids.map((id) => cacheKeys.product(id)),
    deps.cacheTtlSeconds,
    async (missing) => {
      const found = await products.findProducts(
        deps.db,
        missing.map((key) => key.slice(cacheKeys.product('').length)),
      );
      return new Map([...found].map(([id, product]) => [cacheKeys.product(id), product]));
    },
    parseProduct,
  );
  return new Map([...byKey.values()].map((product) => [product.id, product]));
}

export interface ProductPage {
  items: ProductView[];
  /** Pass as `after` to get the next page; absent on the last page. */
  nextAfter: string | undefined;
}

export async function listProducts(
  deps: CatalogDeps,
  page: { limit: number; after?: string | undefined },
): Promise<ProductPage> {
  const items =
    (await deps.cache.getOrLoad(
      cacheKeys.productPage(page.after, page.limit),
      deps.cacheTtlSeconds,
      () => products.listProducts(deps.db, page),
      parseProductList,
    )) ?? [];
  const last = items.at(-1);
  return {
    items,
    nextAfter: items.length === page.limit && last !== undefined ? last.id : undefined,
  };
}
