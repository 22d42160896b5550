import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { createDatabase, type Database } from '@flowstack/db';
import { rewrapOrderEmails, transitVersionOf } from '@flowstack/domain';
import { prepareTestDatabase, testEnvironment } from '@flowstack/domain/testing';
import { createLogger } from '@flowstack/observability';
import { createVaultClient, type VaultClient } from '@flowstack/vault';
import { startVaultDouble, type VaultDouble } from '@flowstack/vault-double';

let double: VaultDouble;
let vault: VaultClient;
let db: Database;
const logger = createLogger({ service: 'rewrap-test', level: 'silent' });

beforeAll(async () => {
  await prepareTestDatabase();
  const env = testEnvironment();
  db = await createDatabase({
    host: env.POSTGRES_HOST!,
    port: Number(env.POSTGRES_PORT),
    database: env.POSTGRES_DB!,
    credentials: createStaticCredentialSource({ username: env.POSTGRES_USER }),
    logger,
  });
  double = await startVaultDouble({ port: 0 });
  const root = (path: string, body: unknown = {}) =>
    fetch(`${double.url}/v1/${path}`, {
      method: 'POST',
      headers: { 'X-Vault-Token': double.rootToken },
      body: JSON.stringify(body),
    });
  await root('sys/mounts/transit', { type: 'transit' });
  await root('transit/keys/orders-pii');
  vault = createVaultClient({
    address: double.url,
    auth: { method: 'token', token: double.rootToken },
    logger,
    registry: new Registry(),
  });
  await vault.start();
});

afterAll(async () => {
  await vault.close();
  await double.stop();
  await db.close();
});

describe('rewrapping stored e-mails after a Transit key rotation', () => {
  it('when the key rotated, then every old row moves to the new version and still decrypts to the same address', async () => {
    const transit = vault.transit('orders-pii');
    const ids = [randomUUID(), randomUUID()];
    const emails = ids.map((id) => `rewrap-${id.slice(0, 8)}@example.com`);
    for (const [index, id] of ids.entries()) {
      await db.query(
        `INSERT INTO orders (id, request_fingerprint, customer_email, total_cents, currency, accepted_at)
         VALUES ($1, 'fp', $2, 100, 'EUR', now())`,
        [id, await transit.encrypt(emails[index]!)],
      );
    }
    await fetch(`${double.url}/v1/transit/keys/orders-pii/rotate`, {
      method: 'POST',
      headers: { 'X-Vault-Token': double.rootToken },
    });
    const latest = await transit.latestVersion();
    expect(latest).toBe(2);

    // Rows sealed under a key of this double only: remove them so a later run never meets them.
    onTestFinished(async () => {
      await db.query('DELETE FROM orders WHERE id = ANY($1::uuid[])', [ids]);
    });
    const result = await rewrapOrderEmails(db, {
      latestVersion: latest,
      rewrap: (sealed) => transit.rewrap(sealed),
      batchSize: 1,
    });

    expect(result.rewrapped).toBeGreaterThanOrEqual(2);
    const { rows } = await db.query<{ id: string; customer_email: string }>(
      'SELECT id, customer_email FROM orders WHERE id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], id)',
      [ids],
    );
    expect(rows.map((row) => transitVersionOf(row.customer_email))).toEqual([2, 2]);
    expect(await Promise.all(rows.map((row) => transit.decrypt(row.customer_email)))).toEqual(
      emails,
    );
  });
});
