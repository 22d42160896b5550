import type { Queryable } from '@flowstack/db';
import type { StoredOrderView } from '../domain/order-views.js';

export interface NewOrder {
  id: string;
  requestFingerprint: string;
  customerEmail: string;
  currency: string;
  acceptedAt: string;
  items: { productId: string; quantity: number; unitPriceCents: number }[];
}

/**
 * Inserts the order and its items once. Returns false, and writes nothing, when the id is
 * already stored: that is a redelivery or a retry, not a new order.
 */
export async function insertOrderOnce(tx: Queryable, order: NewOrder): Promise<boolean> {
  const total = order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
  const inserted = await tx.query(
    `INSERT INTO orders (id, request_fingerprint, customer_email, total_cents, currency, accepted_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
    [
      order.id,
      order.requestFingerprint,
      order.customerEmail,
      total,
      order.currency,
      order.acceptedAt,
    ],
  );
  if (inserted.rowCount === 0) return false;
  await tx.query(
    `INSERT INTO order_items (order_id, line, product_id, quantity, unit_price_cents)
     SELECT $1, line, product_id, quantity, unit_price_cents
     FROM unnest($2::text[], $3::int[], $4::int[]) WITH ORDINALITY AS i(product_id, quantity, unit_price_cents, line)`,
    [
      order.id,
      order.items.map((item) => item.productId),
      order.items.map((item) => item.quantity),
      order.items.map((item) => item.unitPriceCents),
    ],
  );
  return true;
}

interface OrderRow {
  id: string;
  request_fingerprint: string;
  total_cents: number;
  currency: string;
  accepted_at: Date;
  stored_at: Date;
  items: { productId: string; quantity: number; unitPriceCents: number }[];
}

export interface StoredOrder extends StoredOrderView {
  requestFingerprint: string;
}

export async function findStoredOrder(db: Queryable, id: string): Promise<StoredOrder | undefined> {
  const { rows } = await db.query<OrderRow>(
    `SELECT o.id, o.request_fingerprint, o.total_cents, o.currency, o.accepted_at, o.stored_at,
       COALESCE(json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity,
         'unitPriceCents', i.unit_price_cents) ORDER BY i.line) FILTER (WHERE i.order_id IS NOT NULL), '[]') AS items
     FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
     WHERE o.id = $1 GROUP BY o.id`,
    [id],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    id: row.id,
    status: 'stored',
    requestFingerprint: row.request_fingerprint,
    totalCents: row.total_cents,
    currency: row.currency,
    acceptedAt: row.accepted_at.toISOString(),
    storedAt: row.stored_at.toISOString(),
    items: row.items,
  };
}
