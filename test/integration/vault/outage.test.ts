import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTcpProxy, type TcpProxy } from '@flowstack/test-kit';
import { startVaultStack, type VaultStack } from './vault-stack.js';

/**
 * Vault goes away for longer than one renewal interval while the leases are still valid: leases
 * of 45 s are renewed after ~30 s; the outage starts as soon as the stack is up and ends a few
 * seconds after the first renewal has failed, well before the leases expire, however long the
 * stack took to start. The api seals e-mails in envelope mode, so orders do not need Vault per
 * request.
 */
let vault: VaultStack;
let relay: TcpProxy;

beforeAll(async () => {
  relay = await startTcpProxy();
  const vaultPort = await freePort();
  relay.setTarget(`http://127.0.0.1:${vaultPort}`);
  vault = await startVaultStack({
    credentialTtl: '45s',
    credentialMaxTtl: '10m',
    env: { TRANSIT_MODE: 'envelope' },
    vaultOptions: { port: vaultPort, servicesAddress: relay.url },
  });
}, 120_000);

afterAll(async () => {
  relay.restore();
  await vault?.close();
  await relay?.close();
});

describe('Vault unreachable', () => {
  it('when Vault is down longer than a renewal interval, then requests keep succeeding and renewal recovers', async () => {
    const failures: string[] = [];
    const accepted: string[] = [];
    let running = true;
    const client = async () => {
      while (running) {
        const response = await fetch(`${vault.apiUrl}/v1/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify({
            customerEmail: `outage-${randomUUID().slice(0, 8)}@example.com`,
            items: [{ productId: 'hand-grinder', quantity: 1 }],
          }),
        }).catch(() => undefined);
        if (response?.status === 202) accepted.push(((await response.json()) as { id: string }).id);
        else failures.push(`POST ${response?.status ?? 'network'}`);
        const read = await fetch(`${vault.apiUrl}/v1/products`).catch(() => undefined);
        if (read?.status !== 200) failures.push(`GET ${read?.status ?? 'network'}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const clients = Promise.all([client(), client()]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    relay.cut();
    const cutAt = Date.now();
    const renewalFailed = () => vault.output.some((line) => line.includes('lease-renew failed'));
    while (!renewalFailed() && Date.now() - cutAt < 40_000) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    relay.restore();
    const outageMs = Date.now() - cutAt;
    // Past the first leases' original expiry: only renewals made after the outage keep them.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    running = false;
    await clients;

    expect(failures).toEqual([]);
    expect(outageMs).toBeGreaterThan(4_000);
    expect(accepted.length).toBeGreaterThan(20);
    const retried = vault.output.filter((line) =>
      line.includes('vault lease-renew failed; retrying'),
    );
    expect(retried.length).toBeGreaterThan(0);
    const stored = await vault.admin.query(
      'SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[])',
      [accepted],
    );
    for (let i = 0; i < 40 && (stored.rows[0] as { n: number }).n < accepted.length; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      stored.rows[0] = (
        await vault.admin.query(
          'SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[])',
          [accepted],
        )
      ).rows[0];
    }
    expect((stored.rows[0] as { n: number }).n).toBe(accepted.length);
  }, 150_000);
});
