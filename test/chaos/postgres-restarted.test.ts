import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { queueCounts, startPostgres, stopPostgres } from '@flowstack/test-kit';
import { sleep } from '@flowstack/test-kit';
import { runDrill } from './support/drill.js';

const servers = inject('chaosServers');

describe('PostgreSQL restarted under load', () => {
  it('when PostgreSQL goes away with orders in the worker, then cached reads stay 200, the worker retries, and nothing is lost', async () => {
    let backlogAtStop = 0;
    const { violations, books } = await runDrill({
      name: 'postgres-restart',
      fault: 'pg_ctl stop -m fast with inserts in flight, 4 s, start',
      expected:
        'cached reads stay 200 (Redis); POSTs get 503 + Retry-After (the api checks the stored row first); the worker retries instead of acking; nothing lost',
      servers,
      async inject({ stack, load, notes }) {
        // Hold the worker's inserts (SHARE blocks INSERT, not the api's SELECTs) so orders are
        // in the worker's hands when the server goes.
        const blocker = new pg.Client({
          host: '127.0.0.1',
          port: servers.postgres.port,
          user: 'postgres',
          database: stack.env.POSTGRES_DB,
        });
        blocker.on('error', () => undefined);
        await blocker.connect();
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE orders IN SHARE MODE');
        await sleep(1_500);
        const accepted = load.record.posts.filter((post) => post.outcome.status === 202).length;
        const { rows } = await stack.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM orders',
        );
        backlogAtStop = accepted - (rows[0]?.n ?? 0);
        await stopPostgres(servers, 'fast');
        await blocker.end().catch(() => undefined);
        const stoppedAt = Date.now();
        await sleep(4_000);
        await startPostgres(servers);
        notes.push(
          `PostgreSQL down for ${Date.now() - stoppedAt} ms; about ${backlogAtStop} accepted orders not yet stored when it stopped`,
        );
        return Date.now();
      },
      check: async ({ stack, books }) => {
        const violations: string[] = [];
        const dead = await queueCounts(servers, `${stack.env.ORDERS_QUEUE}.dead`);
        if (dead.ready > 0) violations.push(`${dead.ready} messages dead-lettered`);
        const readFailures = Object.keys(books.readStatuses).filter((status) => status !== '200');
        if (readFailures.length > 0) {
          violations.push(`cached reads answered ${readFailures.join(', ')}`);
        }
        return violations;
      },
    });
    expect(violations).toEqual([]);
    expect(backlogAtStop).toBeGreaterThan(0);
    expect(books.statuses['503'] ?? 0).toBeGreaterThan(0);
  });
});
