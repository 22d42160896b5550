import type { Logger } from '@flowstack/observability';
import { followInstances, toDiscovered, type DiscoveredService } from './follow-instances.js';
import { resolveSrv, type DnsServer } from './dns-resolver.js';
import type { ServiceInstance } from './schemas.js';

export interface DnsDiscoverOptions {
  server: DnsServer;
  logger: Logger;
  /** DNS has no blocking queries: how often to ask again. Default 2000. */
  intervalMs?: number;
  /** How long to wait for a first healthy instance. Default 15000. */
  timeoutMs?: number;
  /** Domain Consul serves. Default "consul". */
  domain?: string;
}

/** The instances DNS gives for `<service>.service.<domain>` (SRV + ADDITIONAL A records). */
export async function resolveServiceByDns(
  service: string,
  server: DnsServer,
  domain = 'consul',
): Promise<ServiceInstance[]> {
  const targets = await resolveSrv(`${service}.service.${domain}`, server);
  return targets.map((target) => ({
    id: `${target.host}:${target.port}`,
    service,
    host: target.host,
    port: target.port,
    tags: [],
    meta: {},
    node: target.target,
  }));
}

/** Like discoverService, through Consul DNS (SRV records), polled every intervalMs. */
export async function discoverServiceByDns(
  service: string,
  options: DnsDiscoverOptions,
): Promise<DiscoveredService> {
  const follower = followInstances(service, 'dns', options.logger);
  const log = options.logger.child({ component: 'consul-discovery', dependency: service });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async (): Promise<void> => {
    try {
      follower.update(await resolveServiceByDns(service, options.server, options.domain));
    } catch (error) {
      log.warn({ err: error }, 'DNS discovery failed; retrying');
    }
    if (!stopped) timer = setTimeout(() => void poll(), options.intervalMs ?? 2_000);
  };
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
  };
  void poll();
  try {
    const source = await follower.first(options.timeoutMs ?? 15_000);
    return toDiscovered(service, source, follower, stop);
  } catch (error) {
    stop();
    throw error;
  }
}
