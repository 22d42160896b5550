import type { Express } from 'express';
import { z } from 'zod';
import { AppError } from '@flowstack/errors';
import { getProductBody, listProducts, type CatalogDeps } from '@flowstack/domain';

/** Also the source of the query parameters in the OpenAPI document. */
export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  // A product id (the nextAfter of the previous page): anything else, a NUL byte included, which
  // PostgreSQL refuses in text, is a 400.
  after: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9][a-z0-9-]*$/)
    .optional(),
});

export function registerProductRoutes(app: Express, deps: CatalogDeps): void {
  app.get('/v1/products', async (req, res) => {
    const query = pageQuerySchema.safeParse(req.query);
    if (!query.success) {
      throw AppError.badRequest('The query is invalid: limit is 1-100, after is a product id.', {
        errors: query.error.issues.map((issue) => ({
          path: issue.path.join('/'),
          message: issue.message,
        })),
      });
    }
    const page = await listProducts(deps, query.data);
    res.json(page);
  });

  // The cached JSON text and its ETag go out as they are: a hit serialises and hashes nothing
  // (res.send computes no ETag when one is set, and still answers 304 to If-None-Match).
  app.get('/v1/products/:id', async (req, res) => {
    const body = await getProductBody(deps, req.params.id);
    res.set('ETag', body.etag).type('application/json').send(body.json);
  });
}
