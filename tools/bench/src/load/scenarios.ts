import { randomUUID } from 'node:crypto';
import type { LoadRequest } from './run-load.js';

export const SCENARIOS = ['read', 'write', 'mixed'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Orders the api answered 202 for, by id, with the moment the client saw the answer. */
export class AcceptedOrders {
  readonly ids: string[] = [];
  /** Requests that got something other than 202. */
  refused = 0;

  record(status: number, body: string): void {
    if (status !== 202) {
      this.refused += 1;
      return;
    }
    const id = parseId(body);
    if (id !== undefined) this.ids.push(id);
  }

  get count(): number {
    return this.ids.length;
  }
}

function parseId(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { id?: unknown };
    return typeof parsed.id === 'string' ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}

/** GET /v1/products/:id over a few known ids: after the first round every read is a cache hit. */
export function readRequests(productIds: readonly string[]): LoadRequest[] {
  if (productIds.length === 0) throw new Error('the read scenario needs at least one product');
  let next = 0;
  return [
    {
      path: `/v1/products/${encodeURIComponent(productIds[0]!)}`,
      prepare: () => {
        const id = productIds[next % productIds.length]!;
        next += 1;
        return { path: `/v1/products/${encodeURIComponent(id)}` };
      },
    },
  ];
}

/** GET /v1/products/:id walking ids that are each read once: every read misses the cache. */
export function missRequests(productIds: readonly string[]): LoadRequest[] {
  let next = 0;
  return [
    {
      path: `/v1/products/${encodeURIComponent(productIds[0] ?? 'none')}`,
      prepare: () => {
        // Past the end the walk starts again; the caller seeds more ids than a run can read.
        const id = productIds[next % productIds.length]!;
        next += 1;
        return { path: `/v1/products/${encodeURIComponent(id)}` };
      },
    },
  ];
}

/** POST /v1/orders, each with an Idempotency-Key of its own, recording what was accepted. */
export function writeRequests(
  productIds: readonly string[],
  accepted: AcceptedOrders,
): LoadRequest[] {
  if (productIds.length === 0) throw new Error('the write scenario needs at least one product');
  let next = 0;
  const body = () => {
    const productId = productIds[next % productIds.length]!;
    next += 1;
    return JSON.stringify({
      customerEmail: `load-${next}@example.com`,
      items: [{ productId, quantity: 1 + (next % 3) }],
    });
  };
  return [
    {
      method: 'POST',
      path: '/v1/orders',
      headers: { 'content-type': 'application/json' },
      prepare: () => ({
        path: '/v1/orders',
        headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: body(),
      }),
      onResponse: (status, responseBody) => accepted.record(status, responseBody),
    },
  ];
}

/** Four reads (cache hits) to one order, as a storefront sees it. */
export function mixedRequests(
  productIds: readonly string[],
  accepted: AcceptedOrders,
): LoadRequest[] {
  const reads = readRequests(productIds)[0]!;
  return [reads, reads, reads, reads, ...writeRequests(productIds, accepted)];
}

export function scenarioRequests(
  scenario: ScenarioName,
  productIds: readonly string[],
  accepted: AcceptedOrders,
): LoadRequest[] {
  switch (scenario) {
    case 'read':
      return readRequests(productIds);
    case 'write':
      return writeRequests(productIds, accepted);
    case 'mixed':
      return mixedRequests(productIds, accepted);
  }
}

/** The product ids the target's catalog lists (first page). */
export async function fetchProductIds(baseUrl: string): Promise<string[]> {
  const response = await fetch(new URL('/v1/products?limit=100', baseUrl));
  if (!response.ok) throw new Error(`GET /v1/products answered ${response.status}`);
  const page = (await response.json()) as { items?: { id?: unknown }[] };
  return (page.items ?? []).flatMap((item) => (typeof item.id === 'string' ? [item.id] : []));
}
