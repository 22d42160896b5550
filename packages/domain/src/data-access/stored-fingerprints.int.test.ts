import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '@flowstack/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../testing/test-environment.js';
import { orderIdFor } from '../use-cases/order-id.js';
import { createStoredFingerprints } from './stored-fingerprints.js';

let db: Database;

beforeAll(async () => {
  db = await openTestDatabase();
});

afterAll(async () => {
  await db?.close();
});

/** The real pool, counting the statements that reach it. */
function counting(inner: Queryable): Queryable & { statements: number } {
  const wrapper = {
    statements: 0,
    query: ((...args: Parameters<Queryable['query']>) => {
      wrapper.statements += 1;
      return inner.query(...args);
    }) as Queryable['query'],
  };
  return wrapper;
}

async function storeOrderWith(fingerprint: string): Promise<string> {
  const id = orderIdFor(randomUUID());
  await db.query(
    `INSERT INTO orders (id, request_fingerprint, customer_email, total_cents, currency, accepted_at)
     VALUES ($1, $2, 'plain:x@example.com', 100, 'EUR', '2026-01-02T03:04:05.000Z')`,
    [id, fingerprint],
  );
  return id;
}

describe('stored fingerprints', () => {
  it('when many lookups are asked for at once, then they share SELECTs and each gets its own row or nothing', async () => {
    const stored = await Promise.all(['fp-a', 'fp-b', 'fp-c'].map(storeOrderWith));
    const absent = Array.from({ length: 20 }, () => orderIdFor(randomUUID()));
    const pool = counting(db);
    const lookups = createStoredFingerprints(pool);
    const ids = [stored[0]!, ...absent.slice(0, 10), stored[1]!, stored[2]!, ...absent.slice(10)];
    const found = await Promise.all(ids.map((id) => lookups.find(id)));
    // The first goes out alone; the 22 asked for while it was out go together.
    expect(pool.statements).toBe(2);
    expect(found[0]).toEqual({
      requestFingerprint: 'fp-a',
      acceptedAt: '2026-01-02T03:04:05.000Z',
    });
    expect(found[11]?.requestFingerprint).toBe('fp-b');
    expect(found[12]?.requestFingerprint).toBe('fp-c');
    expect(found.filter((value) => value === undefined)).toHaveLength(20);
  });

  it('when a SELECT fails, then every lookup it carried fails and the next ones are served', async () => {
    let failNext = true;
    const flaky: Queryable = {
      query: (...args: Parameters<Queryable['query']>) => {
        if (failNext) {
          failNext = false;
          return db.query('SELECT * FROM no_such_table');
        }
        return db.query(...args);
      },
    };
    const lookups = createStoredFingerprints(flaky);
    const id = await storeOrderWith('fp-d');
    await expect(lookups.find(id)).rejects.toThrow();
    expect((await lookups.find(id))?.requestFingerprint).toBe('fp-d');
  });
});
