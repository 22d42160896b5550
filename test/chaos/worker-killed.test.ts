import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { queueCounts, waitFor } from '@flowstack/test-kit';
import { runDrill } from './support/drill.js';

const servers = inject('chaosServers');

describe('the worker killed with SIGKILL mid-work', () => {
  it('when the worker dies holding unacked messages, then they are redelivered to the restarted worker and no order is doubled', async () => {
    let unackedAtKill = 0;
    const { violations } = await runDrill({
      name: 'worker-sigkill',
      fault: 'SIGKILL to the worker while its inserts wait on a lock, restart with the same env',
      expected: 'unacked messages redelivered; every accepted order stored once',
      servers,
      async inject({ stack, notes }) {
        const blocker = new pg.Client({
          host: '127.0.0.1',
          port: servers.postgres.port,
          user: 'postgres',
          database: stack.env.POSTGRES_DB,
        });
        await blocker.connect();
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE orders IN SHARE MODE');
        // Deliveries pile up unacked behind the lock. A quorum queue publishes its counts on its
        // tick (every few seconds), so wait until the broker reports them rather than a fixed time.
        unackedAtKill = await waitFor(
          async () => (await queueCounts(servers, stack.env.ORDERS_QUEUE!)).unacked || false,
          {
            timeoutMs: 20_000,
            intervalMs: 500,
            what: 'deliveries held unacked by the blocked worker',
          },
        );
        stack.processes.worker.child.kill('SIGKILL');
        const exit = await stack.processes.worker.exited;
        await blocker.query('COMMIT');
        await blocker.end();
        await stack.restart('worker');
        notes.push(
          `${unackedAtKill} messages unacked when the worker was killed (exit ${exit}, signal SIGKILL)`,
        );
        return Date.now();
      },
    });
    expect(violations).toEqual([]);
    expect(unackedAtKill).toBeGreaterThan(0);
  });
});
