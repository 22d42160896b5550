-- Up Migration
-- The customer's e-mail is sealed before it leaves the API; this column holds only the sealed
-- form. Rows stored before sealing existed are marked as plaintext so nothing pretends otherwise.
COMMENT ON COLUMN orders.customer_email IS
  'Sealed e-mail: vault:vN:... (Transit), envelope:v1:vault:vN:... (Transit data key), local:v1:... (local AES-GCM) or plain:... (no protection, marked)';
UPDATE orders SET customer_email = 'plain:' || customer_email
  WHERE customer_email !~ '^(vault:v[0-9]+:|envelope:v1:|local:v1:|plain:)';

-- A masked hint (a***@example.com) computed by the API before sealing, so reading an order never
-- needs a decryption.
ALTER TABLE orders ADD COLUMN customer_email_masked text;

-- Down Migration
ALTER TABLE orders DROP COLUMN customer_email_masked;
COMMENT ON COLUMN orders.customer_email IS NULL;
