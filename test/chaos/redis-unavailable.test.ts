import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { startRedis, stopRedis } from '@flowstack/test-kit';
import { sleep } from '@flowstack/test-kit';
import { PRODUCT_IDS, runDrill } from './support/drill.js';
import { orderBodyFor, postOrder } from './support/load.js';

const servers = inject('chaosServers');

describe('Redis unavailable under load', () => {
  it('when Redis is down, then reads come from PostgreSQL with no 5xx, orders get 503 with Retry-After (no idempotency claim, no 202), and once Redis is back the retried key is one order', async () => {
    const key = randomUUID();
    const { violations, books, record } = await runDrill({
      name: 'redis-down',
      fault: 'redis-server shut down for 4 s, then started empty',
      expected:
        'reads served from PostgreSQL with no 5xx; orders answered 503 + Retry-After while the idempotency claim cannot be made (decision 002); retried after recovery, the key is one order',
      servers,
      async inject({ stack, load, notes }) {
        await stopRedis(servers);
        await sleep(1_000);
        const body = orderBodyFor(PRODUCT_IDS[1]!);
        const outcomes = await Promise.all([1, 2, 3].map(() => postOrder(stack.apiUrl, key, body)));
        for (const outcome of outcomes) {
          load.record.posts.push({ key, body, outcome, repeat: true });
        }
        notes.push(
          `same key posted 3 times while Redis was down: ${outcomes.map((o) => o.status).join(', ')}`,
        );
        await sleep(3_000);
        await startRedis(servers);
        return Date.now();
      },
      check: async ({ stack }) => {
        const { rows } = await stack.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM orders WHERE id = $1',
          [stack.orderIdOf(key)],
        );
        return rows[0]?.n === 1 ? [] : [`the key posted 3 times is stored ${rows[0]?.n} times`];
      },
    });
    expect(violations).toEqual([]);
    expect(Object.keys(books.statuses).sort()).toEqual(['202', '503']);
    expect(Object.keys(books.readStatuses)).toEqual(['200']);
    expect(record.posts.filter((post) => post.key === key).map((p) => p.outcome.status)).toEqual([
      503, 503, 503,
    ]);
  });
});
