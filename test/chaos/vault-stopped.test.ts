import { describe, expect, inject, it } from 'vitest';
import { sleep, waitFor } from '@flowstack/test-kit';
import { runDrill } from './support/drill.js';
import { startVaultChaosStack, type VaultChaosStack } from './support/vault-chaos-stack.js';

const servers = inject('chaosServers');

const TTL_SECONDS = 60;
/** The lease manager renews at 2/3 of the lease. */
const RENEWAL_INTERVAL_MS = (TTL_SECONDS * 1000 * 2) / 3;
const PREFIXES = [
  'database/creds/api-readonly/',
  'database/creds/api-cache/',
  'rabbitmq/creds/api-publisher/',
  'database/creds/worker-readwrite/',
  'database/creds/worker-cache/',
  'rabbitmq/creds/worker-consumer/',
];

/** Log lines of one kind, with the service and the time they were seen in the run's output. */
const linesWith = (output: string[], text: string, from = 0) =>
  output.slice(from).filter((line) => line.includes(text));

describe('Vault stopped for longer than a renewal interval', () => {
  it('when Vault is gone past a renewal while leases are valid, then requests keep succeeding on the credentials held, and the leases are replaced once it returns', async () => {
    let stack: VaultChaosStack | undefined;
    let outputAtRestart = 0;
    let returnedAt = 0;
    const { violations, books } = await runDrill({
      name: 'vault-stopped',
      fault: `Vault double SIGKILLed for a renewal interval + 2 s (leases of ${TTL_SECONDS} s, renewed every ${RENEWAL_INTERVAL_MS / 1000} s), restarted on the same port from its state file`,
      expected:
        'no failed request while Vault is away (pools, cache and broker keep the credentials they hold); renewals retry; after it returns the lost leases are replaced by new ones without a restart',
      servers,
      startStack: async () => {
        stack = await startVaultChaosStack('vault-stopped', { credentialTtl: `${TTL_SECONDS}s` });
        return stack;
      },
      async inject({ notes }) {
        const vault = stack!.vault;
        const held = (await Promise.all(PREFIXES.map((prefix) => vault.leases(prefix)))).flat();
        const minLeftMs = Math.min(...held.map((lease) => lease.secondsLeft * 1000));
        const outageMs = RENEWAL_INTERVAL_MS + 2_000;
        notes.push(
          `${held.length} leases held; the shortest had ${(minLeftMs / 1000).toFixed(0)} s left when Vault was killed`,
        );
        if (held.length < PREFIXES.length) throw new Error(`only ${held.length} leases found`);
        // The drill is about Vault being away while the credentials are still valid.
        if (outageMs > minLeftMs - 2_000) {
          throw new Error(`the outage (${outageMs} ms) would outlast a lease (${minLeftMs} ms)`);
        }
        const killedAt = Date.now();
        await vault.kill();
        await sleep(outageMs);
        outputAtRestart = stack!.output.length;
        await vault.start();
        // The double keeps tokens, policies, mounts and roles in its state file, but neither the
        // leases nor the engines' connection settings; a real Vault keeps both in its storage.
        await vault.bootstrap();
        // Past this point the old credentials would have expired with Vault still half back: a
        // different drill (a loaded machine stretched the restart), reported as such.
        if (Date.now() - killedAt >= minLeftMs) {
          throw new Error(
            `Vault was back only after ${Date.now() - killedAt} ms, when the leases had expired`,
          );
        }
        notes.push(`Vault away for ${Date.now() - killedAt} ms`);
        returnedAt = Date.now();
        return returnedAt;
      },
      check: async ({ books, record, notes }) => {
        const found: string[] = [];
        const output = stack!.output;
        const failedRenewals = linesWith(output, 'vault lease-renew failed; retrying').length;
        if (failedRenewals === 0) found.push('no renewal was attempted while Vault was away');
        if (Object.keys(books.statuses).some((status) => status !== '202')) {
          found.push(`POSTs answered ${Object.keys(books.statuses).join(', ')}`);
        }
        if (Object.keys(books.readStatuses).some((status) => status !== '200')) {
          found.push(`reads answered ${Object.keys(books.readStatuses).join(', ')}`);
        }
        if (record.posts.some((post) => post.outcome.failure !== undefined)) {
          found.push('a POST got no answer');
        }
        // Every lease was lost with the double's memory; each must be replaced by a new one.
        try {
          await waitFor(
            async () =>
              (await Promise.all(PREFIXES.map((prefix) => stack!.vault.leases(prefix)))).every(
                (leases) => leases.length > 0,
              ),
            { timeoutMs: 30_000, what: 'new leases for every credential' },
          );
        } catch {
          found.push('not every credential got a new lease after Vault returned');
        }
        const replaced = linesWith(output, 'vault secret replaced', outputAtRestart).length;
        const lastReplacedAt = Math.max(
          ...linesWith(output, 'vault secret replaced', outputAtRestart).map((line) =>
            Date.parse((JSON.parse(line.slice(line.indexOf(' ') + 1)) as { time: string }).time),
          ),
        );
        if (replaced >= PREFIXES.length) {
          notes.push(
            `all ${replaced} secrets replaced ${lastReplacedAt - returnedAt} ms after Vault was back`,
          );
        }
        if (replaced < PREFIXES.length) {
          found.push(
            `only ${replaced} of ${PREFIXES.length} secrets replaced after Vault returned`,
          );
        }
        return found;
      },
    });
    expect(violations).toEqual([]);
    expect(books.accepted).toBeGreaterThan(0);
  }, 240_000);
});
