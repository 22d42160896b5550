import { startConsulDouble, type RunningConsulDouble } from '@flowstack/consul-double';
import { describe, expect, inject, it } from 'vitest';
import { sleep, waitFor } from '@flowstack/test-kit';
import { startTcpProxy, type TcpProxy } from '@flowstack/test-kit';
import { type ThrowawayServers } from '@flowstack/test-kit';
import { runDrill } from './support/drill.js';

const servers = inject('chaosServers');
const CACHE_TTL_KEY = 'flowstack/config/api/CACHE_TTL_SECONDS';

async function consulCall(base: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}/v1/${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** The throwaway servers, registered as the infra registers the machine's servers. */
async function registerDependencies(base: string, throwaway: ThrowawayServers): Promise<void> {
  const dependencies = [
    ['postgres', throwaway.postgres.port],
    ['redis', throwaway.redis.port],
    ['rabbitmq', throwaway.rabbitmq.port],
  ] as const;
  for (const [name, port] of dependencies) {
    await consulCall(base, 'PUT', 'agent/service/register', {
      Name: name,
      ID: `${name}-chaos`,
      Address: '127.0.0.1',
      Port: port,
      Check: {
        CheckID: `${name}-chaos-tcp`,
        TCP: `127.0.0.1:${port}`,
        Interval: '1s',
        Timeout: '1s',
        DeregisterCriticalServiceAfter: '10m',
      },
    });
  }
}

const liveApplied = (lines: string[]) =>
  lines.filter((line) => line.startsWith('api ') && line.includes('live config applied'));

describe('Consul stopped under load', () => {
  it('when Consul goes away, then the services keep serving on the addresses and config they have, and when it returns the watches resume', async () => {
    let relay: TcpProxy | undefined;
    let first: RunningConsulDouble | undefined;
    let second: RunningConsulDouble | undefined;
    let outputAtReturn = 0;
    try {
      relay = await startTcpProxy();
      first = await startConsulDouble({ port: 0, dnsPort: 0 });
      relay.setTarget(first.url);
      await registerDependencies(first.url, servers);
      await consulCall(first.url, 'PUT', `kv/${CACHE_TTL_KEY}`, '61');
      const consulEnv = {
        CONSUL_HTTP_ADDR: relay.url,
        CONSUL_REGISTER: 'true',
        CONSUL_SERVICE_ADDRESS: '127.0.0.1',
        CONSUL_CHECK_INTERVAL: '1s',
        CONSUL_DISCOVERY: 'http',
        // The drill's doubles run without ACLs (what is tested here is Consul going away).
        CONSUL_DISCOVERY_REQUIRE_ACL: 'false',
        CONSUL_LIVE_CONFIG: 'true',
      };
      const { violations, books } = await runDrill({
        name: 'consul-stopped',
        fault:
          'Consul unreachable for 6 s (connections cut and refused), then back at the same address with its KV and the servers registered again',
        expected:
          'no failed request: db, cache and broker stay on the addresses discovered last and live config on its last good values; after it returns the KV watch resumes and a change is applied',
        servers,
        env: consulEnv,
        async inject({ stack, notes }) {
          await waitFor(
            () => liveApplied(stack.output).some((line) => line.includes('CACHE_TTL')),
            { timeoutMs: 15_000, what: 'the api applied CACHE_TTL_SECONDS from KV' },
          );
          const kv = await consulCall(first!.url, 'GET', 'kv/flowstack/config/?recurse=true');
          const registered = await consulCall(first!.url, 'GET', 'agent/services');
          const cutAt = Date.now();
          relay!.cut();
          await first!.stop();
          await sleep(6_000);
          // A Consul server keeps KV in its raft log and an agent re-registers the services of its
          // configuration; the double keeps nothing, so the drill puts back what Consul would have.
          second = await startConsulDouble({ port: 0, dnsPort: 0 });
          for (const entry of (kv.body ?? []) as { Key: string; Value: string | null }[]) {
            await consulCall(
              second.url,
              'PUT',
              `kv/${entry.Key}`,
              Buffer.from(entry.Value ?? '', 'base64').toString(),
            );
          }
          await registerDependencies(second.url, servers);
          outputAtReturn = stack.output.length;
          relay!.setTarget(second.url);
          relay!.restore();
          notes.push(
            `Consul away for ${Date.now() - cutAt} ms; services registered before: ${Object.keys(registered.body ?? {}).join(', ')}`,
          );
          return Date.now();
        },
        check: async ({ stack, books, record, notes }) => {
          const found: string[] = [];
          if (Object.keys(books.statuses).some((status) => status !== '202')) {
            found.push(`POSTs answered ${Object.keys(books.statuses).join(', ')}`);
          }
          if (Object.keys(books.readStatuses).some((status) => status !== '200')) {
            found.push(`reads answered ${Object.keys(books.readStatuses).join(', ')}`);
          }
          if (record.posts.some((post) => post.outcome.failure !== undefined)) {
            found.push('a POST got no answer');
          }
          const reverted = liveApplied(stack.output).filter((line) => line.includes('"startup"'));
          if (reverted.length > 0) {
            found.push(`live config fell back to startup values: ${reverted[0]}`);
          }
          // The watch resumed: a change written now reaches the api.
          const changedAt = Date.now();
          await consulCall(second!.url, 'PUT', `kv/${CACHE_TTL_KEY}`, '62');
          try {
            await waitFor(
              () =>
                liveApplied(stack.output.slice(outputAtReturn)).some((line) =>
                  line.includes('CACHE_TTL'),
                ),
              { timeoutMs: 20_000, what: 'the KV change applied' },
            );
            notes.push(`KV change after the return applied in ${Date.now() - changedAt} ms`);
          } catch {
            found.push('a KV change written after Consul returned was not applied within 20 s');
          }
          const catalog = await consulCall(second!.url, 'GET', 'catalog/service/flowstack-api');
          const reRegistered = ((catalog.body ?? []) as unknown[]).length > 0;
          notes.push(
            reRegistered
              ? 'flowstack-api registered itself again'
              : 'flowstack-api did not register itself again (a Consul agent restores its own registrations; the double does not)',
          );
          return found;
        },
      });
      expect(violations).toEqual([]);
      expect(books.accepted).toBeGreaterThan(0);
    } finally {
      relay?.restore();
      await relay?.close();
      await first?.stop().catch(() => undefined);
      await second?.stop().catch(() => undefined);
    }
  }, 240_000);
});
