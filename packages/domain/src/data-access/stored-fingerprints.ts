import type { Queryable } from '@flowstack/db';

export interface StoredFingerprint {
  requestFingerprint: string;
  acceptedAt: string;
}

export interface StoredFingerprints {
  /** The stored order's fingerprint and accept time, or undefined when the id is not stored. */
  find(id: string): Promise<StoredFingerprint | undefined>;
}

/** Most ids one SELECT carries. */
const MAX_BATCH = 500;

/**
 * The accept path's only read of PostgreSQL, batched: a lone lookup goes out at once, and the
 * lookups asked for while a SELECT is out go together in the next one (`id = ANY($1)`), so under
 * load concurrent orders share one round trip instead of one each. A failed SELECT fails every
 * lookup it carried.
 */
export function createStoredFingerprints(db: Queryable): StoredFingerprints {
  let waiting: {
    id: string;
    resolve(value: StoredFingerprint | undefined): void;
    reject(error: unknown): void;
  }[] = [];
  let inFlight = false;
  const flush = (): void => {
    if (inFlight || waiting.length === 0) return;
    const batch = waiting.slice(0, MAX_BATCH);
    waiting = waiting.slice(batch.length);
    inFlight = true;
    findStoredFingerprints(
      db,
      batch.map((item) => item.id),
    )
      .then(
        (found) => batch.forEach((item) => item.resolve(found.get(item.id))),
        (error: unknown) => batch.forEach((item) => item.reject(error)),
      )
      .finally(() => {
        inFlight = false;
        flush();
      });
  };
  return {
    find: (id) =>
      new Promise((resolve, reject) => {
        waiting.push({ id, resolve, reject });
        flush();
      }),
  };
}

/** The two columns the accept path compares, for many ids: one index scan, no join. */
export async function findStoredFingerprints(
  db: Queryable,
  ids: readonly string[],
): Promise<Map<string, StoredFingerprint>> {
  const { rows } = await db.query<{ id: string; request_fingerprint: string; accepted_at: Date }>(
    'SELECT id, request_fingerprint, accepted_at FROM orders WHERE id = ANY($1::uuid[])',
    [[...new Set(ids)]],
  );
  return new Map(
    rows.map((row) => [
      row.id,
      { requestFingerprint: row.request_fingerprint, acceptedAt: row.accepted_at.toISOString() },
    ]),
  );
}
