/**
 * The names of flowstack's Vault objects: the services, mounts, and each service's JWT role,
 * policy, engine roles and KV path. The services' config defaults (credential paths, Redis key
 * prefix, PKI role) derive from here instead of spelling the names again, and infra/vault derives
 * the grants and policies from them (infra/vault/src/registry.ts). It lives in the runtime package
 * because the images ship it and not infra/ (docs/decisions/011-config-and-registry-placement.md).
 *
 * No imports on purpose: this file must stay loadable on its own (infra and test tooling use it).
 */

export type VaultService = 'api' | 'worker';

export const VAULT_SERVICES: readonly VaultService[] = ['api', 'worker'];

/** Mount points, auth paths and object names fixed across the Vault, Nomad and app work. */
export const VAULT_MOUNTS = {
  jwtAuth: 'jwt-nomad',
  kv: 'kv',
  database: 'database',
  rabbitmq: 'rabbitmq',
  transit: 'transit',
  pkiRoot: 'pki',
  pkiIntermediate: 'pki_int',
} as const;

export const VAULT_NAMES = {
  /** Default JWT role, as `nomad setup vault` writes it. */
  defaultJwtRole: 'nomad-workloads',
  jwtAudience: 'vault.io',
  postgresConnection: 'flowstack-postgres',
  redisConnection: 'flowstack-redis',
  transitKey: 'orders-pii',
  /** The api's own PKI role: it may issue certificates for its own name only. */
  pkiRole: 'flowstack-api',
  apiCertificateName: 'api.service.consul',
} as const;

/** The Vault objects one service is bound to: its JWT role, policy and engine roles. */
export interface ServiceVaultNames {
  /** JWT role at `jwt-nomad` (bound to the Nomad job id) and the policy of the same name. */
  readonly jwtRole: string;
  readonly policy: string;
  /** The Nomad job id the JWT role's bound_claims pin. */
  readonly nomadJobId: string;
  readonly postgresRole: string;
  readonly redisRole: string;
  readonly rabbitmqRole: string;
  /** KV v2 secret path (without the `data/` segment) of the service's config. */
  readonly kvConfigPath: string;
}

export const SERVICE_VAULT_NAMES: Readonly<Record<VaultService, ServiceVaultNames>> = {
  api: {
    jwtRole: 'flowstack-api',
    policy: 'flowstack-api',
    nomadJobId: 'api',
    postgresRole: 'api-readonly',
    redisRole: 'api-cache',
    rabbitmqRole: 'api-publisher',
    kvConfigPath: 'flowstack/api/config',
  },
  worker: {
    jwtRole: 'flowstack-worker',
    policy: 'flowstack-worker',
    nomadJobId: 'worker',
    postgresRole: 'worker-readwrite',
    redisRole: 'worker-cache',
    rabbitmqRole: 'worker-consumer',
    kvConfigPath: 'flowstack/worker/config',
  },
};

/** The Vault paths a service reads its dynamic credentials from (its config's defaults). */
export function credsPathsOf(names: ServiceVaultNames): {
  postgres: string;
  redis: string;
  rabbitmq: string;
} {
  const { database, rabbitmq } = VAULT_MOUNTS;
  return {
    postgres: `${database}/creds/${names.postgresRole}`,
    redis: `${database}/creds/${names.redisRole}`,
    rabbitmq: `${rabbitmq}/creds/${names.rabbitmqRole}`,
  };
}

/** The deployment's base Redis key prefix; each service owns `<base><service>:` under it. */
export const DEFAULT_REDIS_BASE_PREFIX = 'flowstack:';

/**
 * A service's own Redis key prefix. Its Redis ACL user may touch these keys only, and no service
 * reads another's: a cache entry is only ever trusted by the service that wrote it.
 */
export function redisKeyPrefixFor(
  service: VaultService,
  base: string = DEFAULT_REDIS_BASE_PREFIX,
): string {
  return `${base}${service}:`;
}
