import type { Database } from '@flowstack/db';

export interface RewrapResult {
  /** Rows whose sealed e-mail was moved to the newest key version. */
  rewrapped: number;
  /** Rows changed by someone else between the read and the write (left as they were). */
  skipped: number;
  /** Rows holding a Transit-sealed e-mail that were looked at. */
  scanned: number;
}

const VERSION = /^(?:envelope:v1:)?vault:v(\d+):/;

/** The Transit key version a sealed e-mail was written with; undefined when it is not Transit. */
export function transitVersionOf(sealed: string): number | undefined {
  const match = VERSION.exec(sealed);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * Brings every stored e-mail sealed under an older Transit key version to `latestVersion`,
 * `batchSize` rows at a time. `rewrap` is Vault's rewrap (it never returns the plaintext); an
 * UPDATE only lands when the row still holds what was read.
 */
export async function rewrapOrderEmails(
  db: Database,
  options: {
    latestVersion: number;
    rewrap(sealed: string[]): Promise<string[]>;
    batchSize?: number;
    /** Called after each batch with the totals so far. */
    onBatch?(progress: RewrapResult): void;
  },
): Promise<RewrapResult> {
  const batchSize = options.batchSize ?? 200;
  let rewrapped = 0;
  let skipped = 0;
  let scanned = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await db.query<{ id: string; customer_email: string }>(
      `SELECT id, customer_email FROM orders
       WHERE id > $1 AND customer_email ~ '^(envelope:v1:)?vault:v[0-9]+:'
       ORDER BY id LIMIT $2`,
      [after, batchSize],
    );
    if (rows.length === 0) return { rewrapped, skipped, scanned };
    after = rows[rows.length - 1]!.id;
    scanned += rows.length;
    const stale = rows.filter(
      (row) =>
        (transitVersionOf(row.customer_email) ?? options.latestVersion) < options.latestVersion,
    );
    if (stale.length === 0) {
      options.onBatch?.({ rewrapped, skipped, scanned });
      continue;
    }
    const fresh = await options.rewrap(stale.map((row) => row.customer_email));
    const updated = await db.query(
      `UPDATE orders o SET customer_email = n.sealed
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS n(id, old, sealed)
       WHERE o.id = n.id AND o.customer_email = n.old`,
      [stale.map((row) => row.id), stale.map((row) => row.customer_email), fresh],
    );
    rewrapped += updated.rowCount ?? 0;
    skipped += stale.length - (updated.rowCount ?? 0);
    options.onBatch?.({ rewrapped, skipped, scanned });
  }
}
