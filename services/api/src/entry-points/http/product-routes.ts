import type { Express } from 'express';
import { z } from 'zod';
import { AppError } from '@flowstack/errors';
import { getProduct, listProducts, type CatalogDeps } from '@flowstack/domain';

const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z.string().min(1).max(64).optional(),
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

  app.get('/v1/products/:id', async (req, res) => {
    res.json(await getProduct(deps, req.params.id));
  });
}
