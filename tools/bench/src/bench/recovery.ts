import { randomUUID } from 'node:crypto';
import { SEED_PRODUCTS } from '@flowstack/domain';
import { sleep, startTcpProxy, type TcpProxy } from '@flowstack/test-kit';
import { waitForCompletion, type CompletionSource } from '../load/completion.js';
import type { RecoveryFigure } from '../report/results.js';
import type { BenchStack } from './bench-stack.js';

/** The recovery budget: the api accepts orders again within 2 s of the broker's return. */
export const RECOVERY_BUDGET_MS = 2_000;

const STEADY_MS = 1_500;
/** Concurrent clients of the steady load, each posting its next order once answered. */
const CLIENTS = 4;
/** A run with no 202 this long after the return counts as this long (and misses the budget). */
const GIVE_UP_MS = 15_000;

interface Post {
  startedMs: number;
  endedMs: number;
  status: number | undefined;
  id: string | undefined;
}

/**
 * Time from the broker's return to the first `202`, under steady load, `runs` times. The api
 * under test reaches RabbitMQ through a TCP proxy; the outage cuts every connection and refuses
 * new ones for `outageMs` (the shared broker itself is never stopped), then lets them through
 * again. Every order answered 202 must be stored afterwards.
 */
export async function measureRecovery(options: {
  stack: BenchStack;
  orders: CompletionSource;
  runs: number;
  outageMs: number;
  log: (line: string) => void;
}): Promise<RecoveryFigure> {
  const { stack, log } = options;
  const proxy = await startTcpProxy({
    host: stack.env.RABBITMQ_HOST ?? '127.0.0.1',
    port: Number(stack.env.RABBITMQ_PORT ?? 5672),
  });
  try {
    const route = await stack.routeRabbitThrough(proxy.port);
    const api = await stack.startService('api', [], route);
    const recoveryMs: number[] = [];
    const accepted: string[] = [];
    try {
      for (let run = 1; run <= options.runs; run++) {
        const posts = await oneOutage(api.url, proxy, options.outageMs);
        const returnedAt = posts.returnedAt;
        const first = posts.all
          .filter((post) => post.startedMs >= returnedAt && post.status === 202)
          .sort((a, b) => a.endedMs - b.endedMs)[0];
        const ms = first === undefined ? GIVE_UP_MS : first.endedMs - returnedAt;
        recoveryMs.push(ms);
        for (const post of posts.all) if (post.status === 202 && post.id) accepted.push(post.id);
        log(
          `recovery run ${run}: broker away ${options.outageMs} ms, first 202 ${ms} ms after its return`,
        );
      }
    } finally {
      await api.stop();
    }
    const completion = await waitForCompletion(options.orders, accepted, { timeoutMs: 60_000 });
    return {
      outageMs: options.outageMs,
      recoveryMs,
      maxMs: Math.max(...recoveryMs),
      budgetMs: RECOVERY_BUDGET_MS,
      accepted: completion.accepted,
      stored: completion.stored,
    };
  } finally {
    await proxy.close();
  }
}

async function oneOutage(
  apiUrl: string,
  proxy: TcpProxy,
  outageMs: number,
): Promise<{ all: Post[]; returnedAt: number }> {
  const all: Post[] = [];
  let stopAt = Number.POSITIVE_INFINITY;
  const client = async (index: number) => {
    for (let n = 0; Date.now() < stopAt; n++) {
      const post = await postOrder(apiUrl, SEED_PRODUCTS[(index + n) % SEED_PRODUCTS.length]!.id);
      all.push(post);
      if (post.status !== 202) await sleep(20);
    }
  };
  const clients = Array.from({ length: CLIENTS }, (_, index) => client(index));
  await sleep(STEADY_MS);
  proxy.cut();
  await sleep(outageMs);
  proxy.restore();
  const returnedAt = Date.now();
  // Until a 202 started after the return has come back (then a little more load), or give up.
  const giveUpAt = returnedAt + GIVE_UP_MS;
  while (Date.now() < giveUpAt) {
    if (all.some((post) => post.startedMs >= returnedAt && post.status === 202)) break;
    await sleep(10);
  }
  stopAt = Math.min(Date.now() + 500, giveUpAt);
  await Promise.all(clients);
  return { all, returnedAt };
}

async function postOrder(apiUrl: string, productId: string): Promise<Post> {
  const startedMs = Date.now();
  try {
    const response = await fetch(`${apiUrl}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        customerEmail: 'recovery@example.com',
        items: [{ productId, quantity: 1 }],
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json().catch(() => ({}))) as { id?: unknown };
    return {
      startedMs,
      endedMs: Date.now(),
      status: response.status,
      id: typeof body.id === 'string' ? body.id : undefined,
    };
  } catch {
    return { startedMs, endedMs: Date.now(), status: undefined, id: undefined };
  }
}
