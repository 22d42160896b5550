import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { startConsulDouble, type RunningConsulDouble } from '@flowstack/consul-double';
import { createLogger, type Logger } from '@flowstack/observability';
import { createConsulClient, type ConsulClient } from '../src/consul-client.js';
import { parseDnsServer, type DnsServer } from '../src/dns-resolver.js';

/** The double by default; a real agent when CONSUL_HTTP_ADDR is set (DNS at CONSUL_DNS_ADDR). */
export interface Target {
  url: string;
  token: string | undefined;
  dns: DnsServer | undefined;
  client: ConsulClient;
  stop(): Promise<void>;
}

export async function startTarget(logger: Logger): Promise<Target> {
  const external = process.env.CONSUL_HTTP_ADDR;
  let double: RunningConsulDouble | undefined;
  let url: string;
  let dns: DnsServer | undefined;
  if (external) {
    url = /^https?:\/\//.test(external) ? external : `http://${external}`;
    const dnsAddr = process.env.CONSUL_DNS_ADDR;
    dns = dnsAddr ? parseDnsServer(dnsAddr) : undefined;
  } else {
    double = await startConsulDouble({
      port: 0,
      dnsPort: 0,
      reapIntervalMs: 200,
      reapMinimumMs: 0,
    });
    url = double.url;
    dns = { host: double.host, port: double.dnsPort };
  }
  const token = process.env.CONSUL_HTTP_TOKEN || undefined;
  const client = createConsulClient({ address: url, token, logger, watchWait: '5s' });
  return {
    url,
    token,
    dns,
    client,
    stop: async () => {
      client.close();
      await double?.stop();
    },
  };
}

export function unique(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: createLogger({ service: 'consul-test', level: 'debug', destination }), lines };
}

export async function eventually<T>(
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`condition not met in ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
