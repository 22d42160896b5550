import type { Logger } from '@flowstack/observability';
import type { ConsulClient } from './consul-client.js';
import { describe } from './consul-errors.js';

export type RegistrationCheck =
  | {
      kind: 'http';
      /** URL Consul probes, e.g. http://10.0.0.5:3000/health/ready. 2xx = passing. */
      url: string;
      interval: string;
      timeout: string;
      deregisterCriticalServiceAfter: string;
    }
  | {
      kind: 'ttl';
      ttl: string;
      /** How often the process reports; well under the TTL. */
      heartbeatMs: number;
      /** Resolves when the process is ready (the same checks as /health/ready). */
      probe: () => Promise<void>;
      deregisterCriticalServiceAfter: string;
    };

export interface RegistrationOptions {
  client: ConsulClient;
  /** Consul service name, e.g. flowstack-api. */
  name: string;
  /** Unique per agent, e.g. flowstack-api-<host>-<port>. */
  id: string;
  /** Address other services (and HTTP checks) reach this process at. */
  address: string;
  port: number;
  tags?: string[];
  meta?: Record<string, string>;
  check: RegistrationCheck;
  logger: Logger;
}

export interface Registration {
  readonly id: string;
  readonly checkId: string;
  /** Stops the heartbeat and removes the service (and its check) from the agent. */
  deregister(): Promise<void>;
}

/**
 * Registers this process with the local agent. Use it for runs outside Nomad; under Nomad the
 * job's `service` blocks register it. Call `deregister` after readiness went 503 and before the
 * listener closes, so Consul stops routing first.
 */
export async function registerService(options: RegistrationOptions): Promise<Registration> {
  const { client, check } = options;
  // No ":" in the id: it is a path segment of the TTL endpoints.
  const checkId = `${options.id}-ready`;
  const log = options.logger.child({ component: 'consul-registration', serviceId: options.id });
  await client.registerService({
    name: options.name,
    id: options.id,
    address: options.address,
    port: options.port,
    tags: options.tags ?? [],
    meta: options.meta ?? {},
    checkId,
    check:
      check.kind === 'http'
        ? {
            http: check.url,
            interval: check.interval,
            timeout: check.timeout,
            deregisterCriticalServiceAfter: check.deregisterCriticalServiceAfter,
          }
        : { ttl: check.ttl, deregisterCriticalServiceAfter: check.deregisterCriticalServiceAfter },
  });

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  if (check.kind === 'ttl') {
    const beat = async (): Promise<void> => {
      let status: 'pass' | 'fail' = 'pass';
      let note = 'ready';
      try {
        await check.probe();
      } catch (error) {
        status = 'fail';
        note = `not ready: ${describe(error)}`;
      }
      try {
        if (!stopped) await client.updateTtlCheck(checkId, status, note);
      } catch (error) {
        log.warn({ err: error }, 'TTL heartbeat to Consul failed');
      }
      if (!stopped) timer = setTimeout(() => void beat(), check.heartbeatMs);
    };
    await beat();
  }

  return {
    id: options.id,
    checkId,
    async deregister() {
      stopped = true;
      clearTimeout(timer);
      await client.deregisterService(options.id);
    },
  };
}
