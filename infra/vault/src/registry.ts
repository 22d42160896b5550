import {
  redisKeyPrefixFor,
  SERVICE_VAULT_NAMES,
  VAULT_MOUNTS,
  VAULT_NAMES,
  credsPathsOf,
  type VaultService,
} from '@flowstack/vault/paths';

/**
 * The one registry of Vault paths flowstack's services call, with the capability each call needs,
 * derived from the names in @flowstack/vault/paths. The per-service policies in policies/ are
 * generated from it (and a test fails when a policy grants more or less), and the Nomad job specs
 * are checked against it. The services never read it: it is what Vault is told, so it lives with
 * the bootstrap (docs/decisions/011-config-and-registry-placement.md).
 */

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
