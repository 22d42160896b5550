import { startConsulDouble, type RunningConsulDouble } from '@flowstack/consul-double';
import type { Logger } from '@flowstack/observability';
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
