import type { Logger } from '@flowstack/observability';
import type { ConsulClient } from './consul-client.js';
import { followInstances, toDiscovered, type DiscoveredService } from './follow-instances.js';

export interface DiscoverOptions {
  logger: Logger;
  /** How long to wait for a first healthy instance. Default 15000. */
  timeoutMs?: number;
}

/**
 * Finds `service` through `health/service/<name>?passing` and keeps following it with a blocking
 * query: a dependency that moves (re-registered elsewhere, or its instance turning critical) is
 * followed without a restart. Errors back off and retry inside the watch.
 */
export async function discoverService(
  client: ConsulClient,
  service: string,
  options: DiscoverOptions,
): Promise<DiscoveredService> {
  const follower = followInstances(service, 'http', options.logger);
  const log = options.logger.child({ component: 'consul-discovery', dependency: service });
  const watch = client.watchHealthyInstances(service, {
    onChange: (instances) => follower.update(instances),
    onError: (error) => log.warn({ err: error }, 'discovery watch failed; retrying'),
  });
  try {
    const source = await follower.first(options.timeoutMs ?? 15_000);
    return toDiscovered(service, source, follower, () => watch.stop());
  } catch (error) {
    watch.stop();
    throw error;
  }
}
