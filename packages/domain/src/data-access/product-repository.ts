import type { Queryable } from '@flowstack/db';
import type { ProductView } from '../use-cases/order-views.js';

interface ProductRow {
  id: string;
  name: string;
  description: string;
  price_cents: number;
  currency: string;
}

const COLUMNS = 'id, name, description, price_cents, currency';

function toView(row: ProductRow): ProductView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    priceCents: row.price_cents,
    currency: row.currency,
  };
}

export async function findProduct(db: Queryable, id: string): Promise<ProductView | undefined> {
  const { rows } = await db.query<ProductRow>(`SELECT ${COLUMNS} FROM products WHERE id = $1`, [
    id,
  ]);
  return rows[0] === undefined ? undefined : toView(rows[0]);
}

export async function findProducts(
  db: Queryable,
  ids: readonly string[],
): Promise<Map<string, ProductView>> {
  const { rows } = await db.query<ProductRow>(
    `SELECT ${COLUMNS} FROM products WHERE id = ANY($1::text[])`,
    [[...new Set(ids)]],
  );
  return new Map(rows.map((row) => [row.id, toView(row)]));
}

/** Keyset pagination by id: stable under inserts, cheap at any depth. */
export async function listProducts(
  db: Queryable,
  page: { limit: number; after?: string | undefined },
): Promise<ProductView[]> {
  const { rows } = await db.query<ProductRow>(
    `SELECT ${COLUMNS} FROM products WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
    [page.after ?? null, page.limit],
  );
  return rows.map(toView);
}

export async function upsertProducts(
  db: Queryable,
  products: readonly ProductView[],
): Promise<void> {
  for (const p of products) {
    await db.query(
      `INSERT INTO products (id, name, description, price_cents, currency) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
         price_cents = EXCLUDED.price_cents, currency = EXCLUDED.currency, updated_at = now()`,
      [p.id, p.name, p.description, p.priceCents, p.currency],
    );
  }
}
