import { describe, expect, inject, it } from 'vitest';
import { startRabbitApp, stopRabbitApp } from '@flowstack/test-kit';
import { sleep } from '@flowstack/test-kit';
import { runDrill } from './support/drill.js';

const servers = inject('chaosServers');

describe('RabbitMQ stopped and started under load', () => {
  it('when the broker is down, then POSTs get 503 with Retry-After, never 202, and everything accepted is stored once after it returns', async () => {
    const { violations, books, result } = await runDrill({
      name: 'rabbitmq-stop-start',
      fault: 'rabbitmqctl stop_app, 4 s, start_app',
      expected:
        'POSTs that cannot be confirmed get 503 problem+json with Retry-After; publisher and consumer reconnect by themselves',
      servers,
      async inject({ notes }) {
        await stopRabbitApp(servers);
        const stoppedAt = Date.now();
        await sleep(4_000);
        await startRabbitApp(servers);
        notes.push(`broker down for ${Date.now() - stoppedAt} ms`);
        return Date.now();
      },
      check: ({ books }) =>
        Promise.resolve(
          (books.statuses['503'] ?? 0) > 0 ? [] : ['no POST got 503 while the broker was down'],
        ),
    });
    expect(violations).toEqual([]);
    expect(books.accepted).toBeGreaterThan(0);
    // The broker's return to the first 202 (recoveryMs in results/latest.json): the reconnect
    // backoff is capped at 1 s (packages/queue/src/backoff.ts) so that this stays under 2 s.
    expect(result.recoveryMs).toBeLessThan(2_000);
  });
});
