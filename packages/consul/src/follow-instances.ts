import {
  createManualAddressSource,
  sameAddress,
  type AddressSource,
  type ManualAddressSource,
  type ServiceAddress,
} from '@flowstack/credentials';
import type { Logger } from '@flowstack/observability';
import { consulError } from './consul-errors.js';
import type { ServiceInstance } from './schemas.js';

/** A dependency found through Consul: an AddressSource that follows its healthy instances. */
export interface DiscoveredService extends AddressSource {
  readonly service: string;
  /** The healthy instances seen last. */
  instances(): ServiceInstance[];
  close(): void;
}

export interface InstanceFollower {
  /** Feed the newest healthy instances. */
  update(instances: ServiceInstance[]): void;
  /** Resolves with the first address, or rejects after timeoutMs without a healthy instance. */
  first(timeoutMs: number): Promise<ManualAddressSource>;
  instances(): ServiceInstance[];
}

/**
 * Picks one instance and stays on it while it is healthy (no needless reconnects when another
 * instance joins); moves to another one only when it is gone. With no healthy instance at all it
 * keeps the last address: the client's own reconnects cover a short gap better than nothing.
 */
export function followInstances(service: string, how: string, logger: Logger): InstanceFollower {
  let source: ManualAddressSource | undefined;
  let latest: ServiceInstance[] = [];
  let resolveFirst: (source: ManualAddressSource) => void = () => undefined;
  const firstSource = new Promise<ManualAddressSource>((resolve) => {
    resolveFirst = resolve;
  });
  const log = logger.child({ component: 'consul-discovery', dependency: service, via: how });

  function choose(instances: ServiceInstance[], current?: ServiceAddress): ServiceInstance {
    const sorted = [...instances].sort((a, b) => a.id.localeCompare(b.id));
    const stay = current && sorted.find((i) => i.host === current.host && i.port === current.port);
    return stay ?? (sorted[0] as ServiceInstance);
  }

  return {
    update(instances) {
      latest = instances;
      if (instances.length === 0) {
        if (source) {
          log.warn({ kept: source.current() }, 'no healthy instance; keeping the address');
        }
        return;
      }
      const pick = choose(instances, source?.current());
      const next = { host: pick.host, port: pick.port };
      if (source === undefined) {
        source = createManualAddressSource(next, `consul:${service}`);
        log.info({ address: next, instance: pick.id }, 'dependency found');
        resolveFirst(source);
        return;
      }
      const from = source.current();
      if (from.host === next.host && from.port === next.port) return;
      log.info({ from, to: next, instance: pick.id }, 'dependency moved; following it');
      void source.move(next);
    },
    first(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              consulError(
                `no healthy instance of ${service} in Consul (${how}) within ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
      });
      return Promise.race([firstSource, timeout]).finally(() => clearTimeout(timer));
    },
    instances: () => latest,
  };
}

export function toDiscovered(
  service: string,
  source: ManualAddressSource,
  follower: InstanceFollower,
  close: () => void,
): DiscoveredService {
  return {
    service,
    description: source.description,
    current: () => source.current(),
    onMove: (listener) => source.onMove(listener),
    candidates: () => {
      const current = source.current();
      const others = [...follower.instances()]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((instance) => ({ host: instance.host, port: instance.port }))
        .filter((address) => !sameAddress(address, current));
      return [current, ...others];
    },
    instances: () => follower.instances(),
    close,
  };
}
