import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVaultStack, type VaultStack } from '../vault/vault-stack.js';
import { dashboardExpressions, ruleExpressions, withoutVariables } from './assets.js';
import { exportedNames, metricNames } from './promql.js';

/** Series Prometheus makes itself rather than reading them from a target. */
const PROMETHEUS_SERIES = new Set(['up', 'scrape_duration_seconds']);

let vault: VaultStack;
let exported: Set<string>;

beforeAll(async () => {
  // Real processes with the Vault wiring on, so the credential metrics are there too.
  vault = await startVaultStack({ credentialTtl: '60s', credentialMaxTtl: '120s' });
  const pages = await Promise.all(
    [vault.stack.api.url, vault.stack.worker.url].map(async (url) => {
      const response = await fetch(`${url}/metrics`);
      expect(response.status).toBe(200);
      return response.text();
    }),
  );
  exported = new Set(pages.flatMap((page) => [...exportedNames(page)]));
}, 120_000);

afterAll(async () => {
  await vault?.close();
});

describe('dashboards and alert rules', () => {
  it('when the services run, then every metric a dashboard panel reads is exported', async () => {
    const expressions = await dashboardExpressions();
    expect(expressions.length).toBeGreaterThan(15);
    const missing = expressions.flatMap(({ origin, expr }) =>
      metricNames(withoutVariables(expr))
        .filter((name) => !exported.has(name))
        .map((name) => `${origin}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('when the services run, then every metric an alert rule reads is exported', async () => {
    const expressions = await ruleExpressions();
    expect(expressions.length).toBeGreaterThan(8);
    const missing = expressions.flatMap(({ origin, expr }) =>
      metricNames(expr)
        .filter((name) => !exported.has(name) && !PROMETHEUS_SERIES.has(name))
        .map((name) => `${origin}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('when the worker consumes, then the depth of its queue and dead-letter queue is exported', async () => {
    const page = await (await fetch(`${vault.stack.worker.url}/metrics`)).text();
    const queue = vault.env.ORDERS_QUEUE!;
    expect(page).toContain(`flowstack_queue_depth{queue="${queue}",service="worker"}`);
    expect(page).toContain(`flowstack_queue_depth{queue="${queue}.dead",service="worker"}`);
  });
});
