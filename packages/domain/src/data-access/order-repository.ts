import type { Queryable } from '@flowstack/db';
import type { StoredOrderView } from '../use-cases/order-views.js';

export interface NewOrder {
  id: string;
  requestFingerprint: string;
  /** Sealed (see the migration's column comment), never a bare address. */
  customerEmail: string;
  customerEmailMasked?: string | undefined;
  currency: string;
  acceptedAt: string;
  items: { productId: string; quantity: number; unitPriceCents: number }[];
}

/**
 * Inserts the order and its items once. Returns false, and writes nothing, when the id is
 * already stored: that is a redelivery or a retry, not a new order.
 */
export async function insertOrderOnce(tx: Queryable, order: NewOrder): Promise<boolean> {
  const total = totalOf(order);
  const inserted = await tx.query(
    `INSERT INTO orders (id, request_fingerprint, customer_email, total_cents, currency, accepted_at, customer_email_masked)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
    [
      order.id,
      order.requestFingerprint,
      order.customerEmail,
      total,
      order.currency,
      order.acceptedAt,
      order.customerEmailMasked ?? null,
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

/**
 * Inserts many orders and their items in one statement (so one round trip, atomic without an
 * explicit transaction); ids already stored are skipped (ON CONFLICT DO NOTHING) together with
 * their items. Returns the stored_at of every order this call inserted. Sort the orders by id so
 * concurrent batches take their row locks in the same order (no deadlock).
 */
export async function insertOrdersOnce(
  db: Queryable,
  orders: readonly NewOrder[],
): Promise<Map<string, Date>> {
  if (orders.length === 0) return new Map();
  const lines = orders.flatMap((order) =>
    order.items.map((item, index) => ({ orderId: order.id, line: index + 1, item })),
  );
  // The items' foreign key is checked at the end of the statement, when the orders exist.
  const inserted = await db.query<{ id: string; stored_at: Date }>(
    `WITH new_orders AS (
       INSERT INTO orders (id, request_fingerprint, customer_email, total_cents, currency, accepted_at,
         customer_email_masked)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::timestamptz[],
         $12::text[])
       ON CONFLICT (id) DO NOTHING
       RETURNING id, stored_at
     ), new_items AS (
       INSERT INTO order_items (order_id, line, product_id, quantity, unit_price_cents)
       SELECT i.order_id, i.line, i.product_id, i.quantity, i.unit_price_cents
       FROM unnest($7::uuid[], $8::smallint[], $9::text[], $10::int[], $11::int[])
         AS i(order_id, line, product_id, quantity, unit_price_cents)
       JOIN new_orders o ON o.id = i.order_id
     )
     SELECT id, stored_at FROM new_orders`,
    [
      orders.map((order) => order.id),
      orders.map((order) => order.requestFingerprint),
      orders.map((order) => order.customerEmail),
      orders.map(totalOf),
      orders.map((order) => order.currency),
      orders.map((order) => order.acceptedAt),
      lines.map((line) => line.orderId),
      lines.map((line) => line.line),
      lines.map((line) => line.item.productId),
      lines.map((line) => line.item.quantity),
      lines.map((line) => line.item.unitPriceCents),
      orders.map((order) => order.customerEmailMasked ?? null),
    ],
  );
  return new Map(inserted.rows.map((row) => [row.id, row.stored_at]));
}

function totalOf(order: NewOrder): number {
  return order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
}

interface OrderRow {
  id: string;
  request_fingerprint: string;
  customer_email_masked: string | null;
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
    `SELECT o.id, o.request_fingerprint, o.customer_email_masked, o.total_cents, o.currency, o.accepted_at, o.stored_at,
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
    ...(row.customer_email_masked === null ? {} : { customerEmail: row.customer_email_masked }),
    items: row.items,
  };
}
