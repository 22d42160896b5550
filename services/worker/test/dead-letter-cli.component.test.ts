import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf, orderIdFor, upsertProducts } from '@flowstack/domain';
import { testEnvironment } from '@flowstack/domain/testing';
import { waitFor } from '@flowstack/test-kit';
import { runDeadLetterCli } from '../src/entry-points/cli/dead-letter-commands.js';
import { startWorkerUnderTest, type WorkerUnderTest } from './support/worker-under-test.js';

let harness: WorkerUnderTest;
let env: Record<string, string>;
beforeAll(async () => {
  harness = await startWorkerUnderTest({ WORKER_MAX_ATTEMPTS: '2' });
  env = testEnvironment({ ORDERS_QUEUE: harness.config.ORDERS_QUEUE });
});
afterAll(async () => {
  await harness.close();
});

async function dlq(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDeadLetterCli(argv, env, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out, err: err.join('\n') };
}

function orderFor(productId: string) {
  const request = {
    customerEmail: 'grace@example.com',
    items: [{ productId, quantity: 2 }],
  };
  return {
    version: 1,
    orderId: orderIdFor(randomUUID()),
    requestFingerprint: fingerprintOf(request),
    ...request,
    acceptedAt: new Date().toISOString(),
  };
}

describe('the dlq command', () => {
  it('when orders name a product that does not exist yet, then list shows them masked and replay stores them once it does', async () => {
    const productId = `test-later-${randomUUID()}`;
    const orders = [orderFor(productId), orderFor(productId)];
    for (const order of orders) await harness.publish(order, order.orderId);
    await harness.publish('this is not JSON', `not-json-${randomUUID()}`);

    let listed = await dlq('list');
    await waitFor(
      async () => {
        listed = await dlq('list');
        return listed.out.length === 3 || undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(listed.code).toBe(0);
    const letters = listed.out.map(
      (line) => JSON.parse(line) as { messageId: string; body: unknown; reason: string },
    );
    expect(letters.map((letter) => letter.messageId)).toEqual(
      expect.arrayContaining(orders.map((order) => order.orderId)),
    );
    const first = letters.find((letter) => letter.messageId === orders[0]!.orderId);
    expect(first?.body).toMatchObject({ customerEmail: '[masked]', orderId: orders[0]!.orderId });
    expect(listed.out.join('\n')).not.toContain('grace@example.com');
    expect((await dlq('list', '--limit', '1')).out).toHaveLength(1);

    await upsertProducts(harness.db, [
      { id: productId, name: 'Late', description: '', priceCents: 700, currency: 'EUR' },
    ]);
    const replayed = await dlq('replay');
    expect(replayed).toMatchObject({ code: 0 });
    expect(replayed.err).toContain('replayed 3 dead letter(s)');
    await waitFor(
      async () => {
        const { rows } = await harness.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[])',
          [orders.map((order) => order.orderId)],
        );
        return rows[0]?.n === 2 || undefined;
      },
      { timeoutMs: 15_000 },
    );
    // The message that is still broken comes back to the dead-letter queue.
    const left = await waitFor(
      async () => {
        const { out } = await dlq('list');
        return out.length === 1 ? out : undefined;
      },
      { timeoutMs: 15_000 },
    );
    expect(left.map((line) => (JSON.parse(line) as { body: unknown }).body)).toEqual([
      'this is not JSON',
    ]);
  });

  it.each([
    [['frobnicate'], 'Unknown command "frobnicate"'],
    [[], 'A command is required'],
    [['replay', '--limit', 'abc'], '--limit must be a whole number'],
    [['list', '--limit', '0'], '--limit must be a whole number'],
    [['list', '--verbose'], "Unknown option '--verbose'"],
    [['list', 'extra'], 'Unexpected argument "extra"'],
  ])('when called with %j, then it explains the usage and exits 2', async (argv, message) => {
    const result = await dlq(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.err).toContain('Usage: dlq');
    expect(result.out).toEqual([]);
  });

  it('when the environment is invalid, then it names the key and exits 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runDeadLetterCli(
      ['list'],
      { ...env, RABBITMQ_PORT: 'nope' },
      {
        out: (line) => out.push(line),
        err: (line) => err.push(line),
      },
    );
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('RABBITMQ_PORT');
  });
});
