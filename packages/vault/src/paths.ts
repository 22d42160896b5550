/**
 * The one registry of Vault paths flowstack's services use, with the capability each call needs.
 * The per-service policies in infra/vault/policies are generated from it (and a test fails when
 * a policy grants more or less), the Nomad job specs are checked against it, and the services'
 * config defaults (credential paths, Redis key prefix, PKI role) derive from it instead of spelling
 * the names again. It lives in the runtime package because images ship it and not infra/
 * (docs/decisions/011-config-and-registry-placement.md).
 *
 * No imports on purpose: this file must stay loadable on its own (infra and test tooling use it).
 */

export type VaultService = 'api' | 'worker';

export const VAULT_SERVICES: readonly VaultService[] = ['api', 'worker'];

/** The ACL capabilities a registry entry may need (`update` covers POST/PUT to an existing path). */
export type VaultCapability = 'create' | 'read' | 'update' | 'delete' | 'list';

export type VaultPathKind = 'database' | 'rabbitmq' | 'transit' | 'pki' | 'kv' | 'lease' | 'token';

export interface VaultPathGrant {
  /**
   * Path without the `/v1/` prefix: exact, except the lease paths, which end in `/*` (a lease id
   * is the path of the secret it came from plus a generated suffix).
   */
  readonly path: string;
  readonly capabilities: readonly VaultCapability[];
  readonly kind: VaultPathKind;
  /** Why the service calls it (copied into the generated policy as a comment). */
  readonly purpose: string;
  /** Body parameters the policy refuses whatever their value (Vault `denied_parameters`). */
  readonly deniedParameters?: readonly string[];
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

const { transit, pkiIntermediate, kv } = VAULT_MOUNTS;
const { transitKey, pkiRole } = VAULT_NAMES;

/**
 * What a service needs to keep its token and its own leases alive, and to end them. Renew and
 * revoke take the lease id in the URL (`sys/leases/renew/<lease id>`, the `url_lease_id` form of
 * hashicorp/vault `vault/logical_system_paths.go`), so the ACL sees which secret the lease came
 * from and a service can touch only leases of the paths it reads. Vault's handlers prefer a
 * `lease_id` in the body over the URL (`handleRenew`/`handleRevoke` in `vault/logical_system.go`),
 * which would reopen every lease: the policy denies that parameter.
 */
function lifecyclePaths(leased: readonly VaultPathGrant[]): VaultPathGrant[] {
  const perLease = leased.flatMap((grant): VaultPathGrant[] => [
    {
      path: `sys/leases/renew/${grant.path}/*`,
      capabilities: ['update'],
      kind: 'lease',
      purpose: `renew its own ${grant.path} leases at 2/3 of their TTL`,
      deniedParameters: ['lease_id'],
    },
    {
      path: `sys/leases/revoke/${grant.path}/*`,
      capabilities: ['update'],
      kind: 'lease',
      purpose: `revoke its own ${grant.path} leases on shutdown and after a rotation`,
      deniedParameters: ['lease_id'],
    },
  ]);
  return [
    ...perLease,
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
    {
      path: 'auth/token/revoke-self',
      capabilities: ['update'],
      kind: 'token',
      purpose: 'revoke its own token on shutdown, so it does not outlive the process',
    },
  ];
}

function credsPaths(service: VaultService): VaultPathGrant[] {
  const names = SERVICE_VAULT_NAMES[service];
  const creds = credsPathsOf(names);
  const access = service === 'api' ? 'read-only' : 'read-write';
  return [
    {
      path: creds.postgres,
      capabilities: ['read'],
      kind: 'database',
      purpose: `dynamic PostgreSQL user (${access})`,
    },
    {
      path: creds.redis,
      capabilities: ['read'],
      kind: 'database',
      purpose: `dynamic Redis ACL user limited to its own ${redisKeyPrefixFor(service)}* keys`,
    },
    {
      path: creds.rabbitmq,
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

const leasedBy = (grants: readonly VaultPathGrant[]) =>
  grants.filter((grant) => grant.kind === 'database' || grant.kind === 'rabbitmq');

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
      purpose: 'issue its TLS certificate (api.service.consul only)',
    },
    ...lifecyclePaths(leasedBy(credsPaths('api'))),
  ],
  worker: [...credsPaths('worker'), ...lifecyclePaths(leasedBy(credsPaths('worker')))],
};

/** Every path the service calls, with the capabilities it needs. */
export function pathsFor(service: VaultService): readonly VaultPathGrant[] {
  return VAULT_PATHS[service];
}

/** The registry as data: service -> grants. */
export const vaultPathRegistry: Readonly<Record<VaultService, readonly VaultPathGrant[]>> =
  VAULT_PATHS;

/** One policy block for a grant, as the generated policies (and the template tools) write it. */
export function renderPolicyBlock(grant: VaultPathGrant): string {
  const capabilities = grant.capabilities.map((c) => `"${c}"`).join(', ');
  const denied = (grant.deniedParameters ?? []).map((name) => `    "${name}" = []`);
  const deniedBlock =
    denied.length === 0 ? '' : `\n  denied_parameters = {\n${denied.join('\n')}\n  }`;
  return `# ${grant.purpose}\npath "${grant.path}" {\n  capabilities = [${capabilities}]${deniedBlock}\n}`;
}
