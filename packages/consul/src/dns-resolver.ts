import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import * as packet from 'dns-packet';
import { consulError, describe } from './consul-errors.js';

export interface DnsServer {
  host: string;
  port: number;
}

export interface SrvTarget {
  /** SRV target name, e.g. `c0a80001.addr.dc1.consul.` or `node1.node.dc1.consul.`. */
  target: string;
  port: number;
  /** From the A record Consul puts in the ADDITIONAL section for the target. */
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
 * Asks `server` over UDP for the SRV records of `name` (e.g. `redis.service.consul`). Consul
 * answers with healthy instances only; NXDOMAIN (no healthy instance) gives []. The system
 * resolver cannot be pointed at port 8600 per query, hence a direct query.
 */
export async function resolveSrv(
  name: string,
  server: DnsServer,
  timeoutMs = 2_000,
): Promise<SrvTarget[]> {
  const id = randomInt(1, 65_535);
  const query = packet.encode({
    type: 'query',
    id,
    flags: packet.RECURSION_DESIRED,
    questions: [{ type: 'SRV', name, class: 'IN' }],
  });
  const socket = createSocket(server.host.includes(':') ? 'udp6' : 'udp4');
  try {
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(consulError(`DNS ${server.host}:${server.port} did not answer for ${name}`)),
        timeoutMs,
      );
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(consulError(`DNS query for ${name} failed: ${describe(error)}`, error));
      });
      socket.on('message', (message) => {
        if (message.length >= 2 && message.readUInt16BE(0) === id) {
          clearTimeout(timer);
          resolve(message);
        }
      });
      socket.send(query, server.port, server.host);
    });
    return toTargets(packet.decode(reply));
  } finally {
    socket.close();
  }
}

function toTargets(reply: packet.Packet): SrvTarget[] {
  const addresses = new Map<string, string>();
  for (const record of reply.additionals ?? []) {
    if (record.type === 'A' && typeof record.data === 'string') {
      addresses.set(normalize(record.name), record.data);
    }
  }
  const targets: SrvTarget[] = [];
  for (const record of reply.answers ?? []) {
    if (record.type !== 'SRV') continue;
    const target = normalize(record.data.target);
    const host = addresses.get(target);
    if (host !== undefined) targets.push({ target, port: record.data.port, host });
  }
  return targets;
}

function normalize(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}
