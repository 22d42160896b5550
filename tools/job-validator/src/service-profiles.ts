import { apiConfigSchema } from '@flowstack/api/config';
import { commonConfigSchema } from '@flowstack/config';
import { workerConfigSchema } from '@flowstack/worker/config';
import type { z } from 'zod';

/**
 * What the rules know about each flowstack process that a job runs: the config schema its env
 * must satisfy, the Vault role it logs in with, and how its shutdown is bounded.
 */
export interface ServiceProfile {
  /** The service's name in the path registry and the Vault role suffix: api, worker, migrate. */
  service: string;
  job: string;
  task: string;
  schema: z.ZodObject;
  vaultRole: string;
  /** Consul service name, when the job registers one with checks. */
  consulName?: string;
  /** Config key holding the port the Consul service points at. */
  portKey?: string;
  /**
   * Lifecycle steps stopped one after the other at shutdown, each bounded by SHUTDOWN_TIMEOUT_MS
   * (the lifecycle in packages/service-kit): api = postgres, redis, rabbitmq, http; worker adds
   * the consumer.
   */
  shutdownSteps: number;
  /** Data services the process connects to (each through a sidecar upstream). */
  dataServices: readonly string[];
}

export const SERVICE_PROFILES: readonly ServiceProfile[] = [
  {
    service: 'api',
    job: 'api',
    task: 'api',
    schema: apiConfigSchema,
    vaultRole: 'flowstack-api',
    consulName: 'flowstack-api',
    portKey: 'PORT',
    shutdownSteps: 4,
    dataServices: ['postgres', 'redis', 'rabbitmq'],
  },
  {
    service: 'worker',
    job: 'worker',
    task: 'worker',
    schema: workerConfigSchema,
    vaultRole: 'flowstack-worker',
    consulName: 'flowstack-worker',
    portKey: 'HEALTH_PORT',
    shutdownSteps: 5,
    dataServices: ['postgres', 'redis', 'rabbitmq'],
  },
  {
    service: 'migrate',
    job: 'worker',
    task: 'migrate',
    schema: commonConfigSchema,
    vaultRole: 'flowstack-migrate',
    shutdownSteps: 0,
    dataServices: ['postgres'],
  },
];

/** Upstream destinations and the config keys through which the services reach them. */
export const UPSTREAM_CONFIG_KEYS: Readonly<Record<string, { host: string; port: string }>> = {
  postgres: { host: 'POSTGRES_HOST', port: 'POSTGRES_PORT' },
  redis: { host: 'REDIS_HOST', port: 'REDIS_PORT' },
  rabbitmq: { host: 'RABBITMQ_HOST', port: 'RABBITMQ_PORT' },
};

export function profileFor(
  profiles: readonly ServiceProfile[],
  job: string,
  task: string,
): ServiceProfile | undefined {
  return profiles.find((profile) => profile.job === job && profile.task === task);
}

/**
 * A group whose tasks hold state a restart loses or must not disturb: it mounts a volume, or it
 * is one of the data services the flowstack processes reach through upstreams (Redis keeps its
 * Vault-created ACL users only in memory).
 */
export function isStatefulGroup(group: {
  service: readonly { name?: string | undefined }[];
  task: readonly { volume_mount: readonly unknown[] }[];
}): boolean {
  return (
    group.task.some((task) => task.volume_mount.length > 0) ||
    group.service.some(
      (service) => service.name !== undefined && service.name in UPSTREAM_CONFIG_KEYS,
    )
  );
}
