import {
  SERVICE_VAULT_NAMES,
  VAULT_MOUNTS,
  VAULT_NAMES,
  VAULT_SERVICES,
  type VaultService,
} from '@flowstack/vault/paths';

/**
 * Who may log in at jwt-nomad, and as what. Pure data: the bootstrap writes it, the job
 * validator (tools/job-validator, rule vault-roles) and the tests read the same objects.
 *
 * Every role is bound on the claims Nomad puts in a task's workload identity:
 * `nomad_namespace`, `nomad_job_id` and `nomad_task` (Nomad `nomad/structs/workload_id.go`,
 * `IdentityClaims`). Binding the namespace is what stops a job called `api` in another namespace
 * from logging in as flowstack's api (the e2e anchor binds both: hashicorp/nomad
 * `e2e/vaultsecrets/input/acl-role.json`); binding the task keeps the worker job's `migrate`
 * prestart (PostgreSQL admin) and its `worker` task (leased users only) apart.
 */
export interface WorkloadRole {
  /** Role at auth/jwt-nomad/role/<name>, and the policy of the same name. */
  readonly name: string;
  readonly nomadJobId: string;
  readonly nomadTask: string;
  /** KV v2 secrets (without `data/`) the policy reads; the service roles' policies come from the path registry instead. */
  readonly kvReads?: readonly string[];
  readonly purpose: string;
}

const SERVICE_PURPOSES: Partial<Record<VaultService, string>> = {
  api: 'the api: leased PostgreSQL (read-only), Redis and RabbitMQ users, Transit, PKI, its KV config',
  worker:
    'the worker: leased PostgreSQL (read-write), Redis and RabbitMQ users, Transit, PKI, its KV config',
};

/** One role per service of the path registry (a scaffolded service gets its own), task = service. */
export const SERVICE_ROLES: readonly WorkloadRole[] = VAULT_SERVICES.map((service) => ({
  name: SERVICE_VAULT_NAMES[service].jwtRole,
  nomadJobId: SERVICE_VAULT_NAMES[service].nomadJobId,
  nomadTask: service,
  purpose: SERVICE_PURPOSES[service] ?? `the ${service} service: the paths of its registry entry`,
}));

/**
 * The data services' tasks render their admin credentials from one KV secret each at first
 * start; the worker job's `migrate` prestart runs the migrations as the PostgreSQL admin.
 */
export const DATA_SERVICE_ROLES: readonly WorkloadRole[] = [
  {
    name: 'flowstack-postgres',
    nomadJobId: 'postgres',
    nomadTask: 'postgres',
    kvReads: ['flowstack/postgres/config'],
    purpose: 'PostgreSQL: its superuser password at first init',
  },
  {
    name: 'flowstack-redis',
    nomadJobId: 'redis',
    nomadTask: 'redis',
    kvReads: ['flowstack/redis/config'],
    purpose: "Redis: the admin ACL user Vault's Redis plugin connects as",
  },
  {
    name: 'flowstack-rabbitmq',
    nomadJobId: 'rabbitmq',
    nomadTask: 'rabbitmq',
    kvReads: ['flowstack/rabbitmq/config'],
    purpose: "RabbitMQ: the administrator Vault's RabbitMQ engine connects as",
  },
  {
    name: 'flowstack-migrate',
    nomadJobId: 'worker',
    nomadTask: 'migrate',
    kvReads: ['flowstack/postgres/config'],
    purpose: 'the migrate prestart of the worker job: runs the migrations as the PostgreSQL admin',
  },
];

export const WORKLOAD_ROLES: readonly WorkloadRole[] = [...SERVICE_ROLES, ...DATA_SERVICE_ROLES];

/**
 * The default role keeps the name `nomad setup vault` gives it, so a job whose `vault` block
 * names no role still logs in; its policy is Nomad's templated asset
 * (hashicorp/nomad `command/asset/vault-wi-default-policy.hcl`), rendered for the `kv` mount
 * as `setup_vault.go` `renderVaultPolicy(..., kvPath)` does: each job reads
 * kv/data/<its namespace>/<its job id>/* and nothing of flowstack's.
 */
export const DEFAULT_ROLE = {
  name: VAULT_NAMES.defaultJwtRole,
  policy: VAULT_NAMES.defaultJwtRole,
} as const;

/** The placeholder Nomad's asset uses for the JWT mount accessor (setup_vault.go replaces it). */
export const ACCESSOR_PLACEHOLDER = 'auth_jwt_X';

/** Nomad namespaces whose jobs may use the default role unless told otherwise. */
export const DEFAULT_WORKLOAD_NAMESPACES: readonly string[] = ['default'];

/**
 * flowstack keeps its own secrets at kv/data/flowstack/...: a Nomad namespace of that name would
 * make the default role's template `kv/data/<namespace>/<job>/*` reach them
 * (namespace `flowstack`, job `postgres` -> the PostgreSQL superuser).
 */
export const RESERVED_NAMESPACES: readonly string[] = ['flowstack'];

/** The templated policy of the default role, with the accessor of the JWT mount filled in. */
export function renderDefaultPolicy(template: string, accessor: string): string {
  return template.replaceAll(ACCESSOR_PLACEHOLDER, accessor);
}

/** A data-service role's policy: read its KV secret(s), keep its own token alive. */
export function renderKvReaderPolicy(role: WorkloadRole): string {
  const header = [
    `# ${role.name}: generated from infra/vault/src/workload-roles.ts; do not edit by hand.`,
    '# Regenerate with: npm run build -w @flowstack/infra-vault && node infra/vault/dist/render-policies.js',
    `# Bound to the JWT role of the same name at ${VAULT_MOUNTS.jwtAuth} (namespace, job "${role.nomadJobId}", task "${role.nomadTask}").`,
    `# ${role.purpose}.`,
  ];
  const reads = (role.kvReads ?? []).map(
    (path) => `path "${VAULT_MOUNTS.kv}/data/${path}" {\n  capabilities = ["read"]\n}`,
  );
  // The role sets token_no_default_policy, so the token's own upkeep is granted here: Nomad's
  // client renews and looks up the task's token itself (renew-self, lookup-self).
  const upkeep = [
    '# Nomad renews the periodic token of the task\npath "auth/token/renew-self" {\n  capabilities = ["update"]\n}',
    'path "auth/token/lookup-self" {\n  capabilities = ["read"]\n}',
  ];
  return `${header.join('\n')}\n\n${[...reads, ...upkeep].join('\n\n')}\n`;
}
