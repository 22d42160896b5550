import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { fingerprintOf, orderIdFor } from '@flowstack/domain';
import { waitFor } from '@flowstack/test-kit';
import { queueCounts } from '@flowstack/test-kit';
import { isAlive } from './support/chaos-stack.js';
import { runDrill } from './support/drill.js';
import { send } from './support/load.js';

const servers = inject('chaosServers');
const run = promisify(execFile);
const DLQ_MAIN = fileURLToPath(
  new URL('../../services/worker/dist/entry-points/cli/dlq-main.js', import.meta.url),
);
const MAX_ATTEMPTS = 3;

interface Letter {
  messageId: string;
  attempt: number;
  body: unknown;
}

describe('poison messages under load', () => {
  it('when messages can never be stored, then they are dead-lettered after their attempts, the worker stays up, and dlq list/replay recover them', async () => {
    const overflowId = orderIdFor(randomUUID());
    let listed: Letter[] = [];
    const findings: string[] = [];
    const { violations } = await runDrill({
      name: 'poison-messages',
      fault: `not-JSON, invalid and always-failing (integer overflow) messages; WORKER_MAX_ATTEMPTS=${MAX_ATTEMPTS}`,
      expected:
        'invalid ones dead-lettered at once, the failing one after its attempts; worker stays up; dlq list shows them, replay after the fix stores the order',
      servers,
      env: { WORKER_MAX_ATTEMPTS: String(MAX_ATTEMPTS), WORKER_RETRY_DELAYS_MS: '100,300' },
      async inject({ stack, notes, otherIds }) {
        const dlqQueue = `${stack.env.ORDERS_QUEUE}.dead`;
        const dlq = async (...argv: string[]) =>
          run(process.execPath, [DLQ_MAIN, ...argv], {
            env: { PATH: process.env.PATH, ...stack.env },
          });
        // A price that makes the total overflow PostgreSQL's integer: a failure that is not the
        // message's fault as far as the worker can tell, so it is retried, then dead-lettered.
        await stack.db.query(
          `INSERT INTO products (id, name, price_cents) VALUES ('chaos-overflow', 'Overflow', 2000000000)`,
        );
        const request = {
          customerEmail: 'poison@example.com',
          items: [{ productId: 'chaos-overflow', quantity: 2 }],
        };
        const overflow = {
          version: 1,
          orderId: overflowId,
          requestFingerprint: fingerprintOf(request),
          ...request,
          acceptedAt: new Date().toISOString(),
        };
        await stack.publishRaw(Buffer.from('{"not json'), `poison-text-${randomUUID()}`);
        await stack.publishRaw(
          Buffer.from(JSON.stringify({ version: 1, orderId: 'nope' })),
          `poison-invalid-${randomUUID()}`,
        );
        await stack.publishRaw(Buffer.from(JSON.stringify(overflow)), overflowId);
        await waitFor(async () => (await queueCounts(servers, dlqQueue)).ready === 3, {
          timeoutMs: 30_000,
          what: 'three dead letters',
        });
        if (!isAlive(stack.processes.worker)) findings.push('the worker died');
        const live = await send(stack.workerUrl, '/health/live', { method: 'GET' });
        if (live.status !== 200) findings.push(`worker /health/live answered ${live.status}`);

        const { stdout } = await dlq('list');
        listed = stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Letter);
        if (stdout.includes('poison@example.com')) findings.push('dlq list printed an e-mail');

        await stack.db.query(`UPDATE products SET price_cents = 100 WHERE id = 'chaos-overflow'`);
        const replay = await dlq('replay');
        notes.push(replay.stderr.trim());
        otherIds.push(overflowId);
        await waitFor(
          async () =>
            (
              await stack.db.query<{ n: number }>(
                'SELECT count(*)::int AS n FROM orders WHERE id = $1',
                [overflowId],
              )
            ).rows[0]?.n === 1,
          { timeoutMs: 30_000, what: 'the replayed order stored' },
        );
        await waitFor(async () => (await queueCounts(servers, dlqQueue)).ready === 2, {
          timeoutMs: 30_000,
          what: 'the two invalid messages back in the dead-letter queue',
        });
        notes.push(
          `dead-letter attempts: ${listed
            .map((letter) => letter.attempt)
            .sort()
            .join(
              ', ',
            )}; after the fix, replay stored the failing order and the 2 invalid ones came back`,
        );
        return Date.now();
      },
      check: () => Promise.resolve(findings),
    });
    expect(violations).toEqual([]);
    expect(listed).toHaveLength(3);
    const attempts = new Map(listed.map((letter) => [letter.messageId, letter.attempt]));
    expect(attempts.get(overflowId)).toBe(MAX_ATTEMPTS);
    expect([...attempts].filter(([id]) => id !== overflowId).map(([, attempt]) => attempt)).toEqual(
      [1, 1],
    );
  });
});
