import { promises as dns } from 'node:dns';
import { consulError, describe } from './consul-errors.js';

const { Resolver } = dns;
type Resolver = InstanceType<typeof Resolver>;

export interface DnsServer {
  host: string;
  port: number;
}

export interface SrvTarget {
  /** SRV target name, e.g. `c0a80001.addr.dc1.consul.` or `node1.node.dc1.consul.`. */
  target: string;
  port: number;
  /** The instance's address (IPv4 or IPv6). */
  host: string;
}

/** "127.0.0.1:8600" -> { host, port } (port 8600 when left out). */
export function parseDnsServer(value: string): DnsServer {
  const cut = value.lastIndexOf(':');
  if (cut <= 0) return { host: value, port: 8600 };
  const port = Number(value.slice(cut + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw consulError(`invalid DNS server "${value}": expected host:port`);
  }
  return { host: value.slice(0, cut), port };
}

/**
 * The SRV records of `name` (e.g. `redis.service.consul`) from `server`, through node's own DNS
 * client (c-ares, `dns.promises.Resolver` pointed at the agent's host:port): it retries, and a
 * truncated UDP answer (more instances than fit in 512 bytes) is asked again over TCP, so large
 * instance sets are not silently cut (c-ares in Node 20 sends no EDNS0 OPT record, so answers over
 * 512 bytes always take that TCP round trip; dns-resolver.test.ts checks 60 instances). Consul answers with healthy instances only; NXDOMAIN (no
 * healthy instance) gives [].
 *
 * A Resolver does not expose the ADDITIONAL section, so addresses come from the target name:
 * Consul names a service address `<hex>.addr.<dc>.<domain>`, 8 hex digits for IPv4 and 32 for
 * IPv6 (hashicorp/consul agent/dns.go, serviceSRVRecords). Other targets (a node name, when the
 * service has no address of its own) are looked up with A, then AAAA, on the same server.
 */
export async function resolveSrv(
  name: string,
  server: DnsServer,
  timeoutMs = 2_000,
): Promise<SrvTarget[]> {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  resolver.setServers([
    server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`,
  ]);
  let records: { name: string; port: number }[];
  try {
    records = await resolver.resolveSrv(name);
  } catch (error) {
    if (isNoData(error)) return [];
    throw consulError(
      `DNS query for ${name} at ${server.host}:${server.port} failed: ${describe(error)}`,
      error,
    );
  }
  const targets = await Promise.all(
    records.map(async (record) => {
      const target = normalize(record.name);
      const host = addressInName(target) ?? (await lookUp(resolver, target));
      return host === undefined ? undefined : { target, port: record.port, host };
    }),
  );
  return targets.filter((target): target is SrvTarget => target !== undefined);
}

function isNoData(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}

/** `7f000001.addr.dc1.consul` -> 127.0.0.1; 32 hex digits -> an IPv6 address. */
export function addressInName(target: string): string | undefined {
  const [label, kind] = target.split('.');
  if (kind !== 'addr' || label === undefined || !/^[0-9a-f]+$/.test(label)) return undefined;
  if (label.length === 8) {
    return [0, 2, 4, 6].map((i) => parseInt(label.slice(i, i + 2), 16)).join('.');
  }
  if (label.length === 32) {
    const groups = label.match(/.{4}/g)!.map((group) => group.replace(/^0{1,3}/, ''));
    return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
  }
  return undefined;
}

async function lookUp(resolver: Resolver, target: string): Promise<string | undefined> {
  for (const ask of [() => resolver.resolve4(target), () => resolver.resolve6(target)]) {
    try {
      const [first] = await ask();
      if (first !== undefined) return first;
    } catch (error) {
      if (!isNoData(error)) {
        throw consulError(`DNS lookup of ${target} failed: ${describe(error)}`, error);
      }
    }
  }
  return undefined;
}

function normalize(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}
