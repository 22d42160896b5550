-- Up Migration
CREATE TABLE products (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  price_cents integer NOT NULL CHECK (price_cents > 0),
  currency    char(3) NOT NULL DEFAULT 'EUR',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The order id is derived from the client's Idempotency-Key, so the primary key is what makes
-- a redelivered message or a retried request store one row.
CREATE TABLE orders (
  id                  uuid PRIMARY KEY,
  request_fingerprint text NOT NULL,
  customer_email      text NOT NULL,
  total_cents         integer NOT NULL CHECK (total_cents >= 0),
  currency            char(3) NOT NULL,
  accepted_at         timestamptz NOT NULL,
  stored_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE order_items (
  order_id         uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  line             smallint NOT NULL,
  product_id       text NOT NULL REFERENCES products (id),
  quantity         integer NOT NULL CHECK (quantity > 0),
  unit_price_cents integer NOT NULL CHECK (unit_price_cents > 0),
  PRIMARY KEY (order_id, line)
);

CREATE INDEX orders_stored_at_idx ON orders (stored_at);

-- Down Migration
DROP TABLE order_items;
DROP TABLE orders;
DROP TABLE products;
