/**
 * The one registry of Vault paths flowstack's services use, with the capability each call needs.
 * The per-service policies in infra/vault/policies are generated from it (and a test fails when
 * a policy grants more or less), the Nomad job specs are checked against it, and the client code
 * reads its mount and role names from here instead of spelling them again.
 *
 * No imports on purpose: this file must stay loadable on its own (infra and test tooling use it).
 */

export type VaultService = 'api' | 'worker';

export const VAULT_SERVICES: readonly VaultService[] = ['api', 'worker'];

/** The ACL capabilities a registry entry may need (`update` covers POST/PUT to an existing path). */
export type VaultCapability = 'create' | 'read' | 'update' | 'delete' | 'list';

export type VaultPathKind = 'database' | 'rabbitmq' | 'transit' | 'pki' | 'kv' | 'lease' | 'token';

export interface VaultPathGrant {
  /** Exact path without the `/v1/` prefix and without globs. */
  readonly path: string;
  readonly capabilities: readonly VaultCapability[];
  readonly kind: VaultPathKind;
  /** Why the service calls it (copied into the generated policy as a comment). */
  readonly purpose: string;
}

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
  pkiRole: 'service-consul',
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

const { database, rabbitmq, transit, pkiIntermediate, kv } = VAULT_MOUNTS;
const { transitKey, pkiRole } = VAULT_NAMES;

/** What every service needs to keep its token and its leases alive. */
const lifecyclePaths: readonly VaultPathGrant[] = [
  {
    path: 'sys/leases/renew',
    capabilities: ['update'],
    kind: 'lease',
    purpose: 'renew its dynamic-secret leases at 2/3 of their TTL',
  },
  {
    path: 'sys/leases/revoke',
    capabilities: ['update'],
    kind: 'lease',
    purpose: 'revoke its leases on shutdown and after a rotation',
  },
  {
    path: 'auth/token/renew-self',
    capabilities: ['update'],
    kind: 'token',
    purpose: 'renew its own token',
  },
  {
    path: 'auth/token/lookup-self',
    capabilities: ['read'],
    kind: 'token',
    purpose: 'read its token TTL',
  },
];

function credsPaths(service: VaultService): VaultPathGrant[] {
  const names = SERVICE_VAULT_NAMES[service];
  const access = service === 'api' ? 'read-only' : 'read-write';
  return [
    {
      path: `${database}/creds/${names.postgresRole}`,
      capabilities: ['read'],
      kind: 'database',
      purpose: `dynamic PostgreSQL user (${access})`,
    },
    {
      path: `${database}/creds/${names.redisRole}`,
      capabilities: ['read'],
      kind: 'database',
      purpose: 'dynamic Redis ACL user limited to flowstack:* keys',
    },
    {
      path: `${rabbitmq}/creds/${names.rabbitmqRole}`,
      capabilities: ['read'],
      kind: 'rabbitmq',
      purpose:
        service === 'api'
          ? 'dynamic RabbitMQ user that may only publish to the orders exchange'
          : 'dynamic RabbitMQ user that consumes the orders queue and moves retries/dead letters',
    },
    {
      path: `${kv}/data/${names.kvConfigPath}`,
      capabilities: ['read'],
      kind: 'kv',
      purpose: 'its configuration in KV v2',
    },
  ];
}

const VAULT_PATHS: Readonly<Record<VaultService, readonly VaultPathGrant[]>> = {
  api: [
    ...credsPaths('api'),
    {
      path: `${transit}/encrypt/${transitKey}`,
      capabilities: ['update'],
      kind: 'transit',
      purpose: "encrypt the customer's e-mail before it leaves the API",
    },
    {
      path: `${transit}/decrypt/${transitKey}`,
      capabilities: ['update'],
      kind: 'transit',
      purpose: 'decrypt the e-mail of an order it serves',
    },
    {
      path: `${transit}/datakey/plaintext/${transitKey}`,
      capabilities: ['update'],
      kind: 'transit',
      purpose: 'envelope mode: a data key to encrypt locally on the hot path',
    },
    {
      path: `${pkiIntermediate}/issue/${pkiRole}`,
      capabilities: ['update'],
      kind: 'pki',
      purpose: 'issue its TLS certificate (*.service.consul)',
    },
    ...lifecyclePaths,
  ],
  worker: [...credsPaths('worker'), ...lifecyclePaths],
};

/** Every path the service calls, with the capabilities it needs. */
export function pathsFor(service: VaultService): readonly VaultPathGrant[] {
  return VAULT_PATHS[service];
}

/** The registry as data: service -> grants. */
export const vaultPathRegistry: Readonly<Record<VaultService, readonly VaultPathGrant[]>> =
  VAULT_PATHS;
