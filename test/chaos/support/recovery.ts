import { randomUUID } from 'node:crypto';
import { waitFor } from '@flowstack/test-kit';
import { orderBodyFor, postOrder, send } from './load.js';

/**
 * The stack healed by itself: readiness is green, a new order is accepted, and the worker
 * stores it. Returns the id of that order.
 */
export async function verifyRecovered(apiUrl: string, productId: string): Promise<string> {
  await waitFor(
    async () => (await send(apiUrl, '/health/ready', { method: 'GET' })).status === 200,
    { timeoutMs: 45_000, what: 'api ready' },
  );
  const key = randomUUID();
  let accepted: string | undefined;
  await waitFor(
    async () => {
      const outcome = await postOrder(apiUrl, key, orderBodyFor(productId));
      if (outcome.status !== 202) return false;
      accepted = (JSON.parse(outcome.body) as { id: string }).id;
      return true;
    },
    { timeoutMs: 45_000, what: 'a new order accepted' },
  );
  await waitFor(
    async () => {
      const outcome = await send(apiUrl, `/v1/orders/${accepted}`, { method: 'GET' });
      return (
        outcome.status === 200 &&
        (JSON.parse(outcome.body) as { status: string }).status === 'stored'
      );
    },
    { timeoutMs: 45_000, what: 'the new order stored' },
  );
  return accepted!;
}
