import { z } from 'zod';
import {
  SERVICE_VAULT_NAMES,
  VAULT_MOUNTS,
  VAULT_NAMES,
  VAULT_SERVICES,
} from '@flowstack/vault/paths';
import { BootstrapError } from './bootstrap-error.js';
import { DEFAULTS, templatedPostgresUrl, type BootstrapOptions } from './bootstrap-options.js';
import {
  jwtConfig,
  nomadWorkloadsRole,
  pkiRole,
  postgresConnection,
  postgresRole,
  rabbitmqConnection,
  rabbitmqLease,
  rabbitmqRole,
  redisConnection,
  redisRole,
  workloadJwtRole,
} from './engine-settings.js';
import { bootstrapIdentity } from './identity-bootstrap.js';
import { ensurePostgresGroups } from './postgres-groups.js';
import { ensureOrdersExchange } from './rabbitmq-topology.js';
import { loadPolicies } from './service-policies.js';
import { differingFields, durationSeconds, type DesiredSettings } from './settings-compare.js';
import { createVaultHttp, vaultErrorText, type VaultHttp } from './vault-http.js';
import { ensurePkiNames, ensurePkiUrls } from './pki-naming.js';
import { ensureServiceSecret, GENERATED_KV_FIELDS } from './service-secrets.js';
import {
  DEFAULT_ROLE,
  DEFAULT_WORKLOAD_NAMESPACES,
  renderDefaultPolicy,
  WORKLOAD_ROLES,
} from './workload-roles.js';

export type StepOutcome = 'created' | 'updated' | 'unchanged' | 'skipped';

export interface StepResult {
  /** What the step configures, e.g. "auth/jwt-nomad/role/flowstack-api". */
  resource: string;
  outcome: StepOutcome;
  /** Which fields differed, why it was skipped, or a warning. Never a secret value. */
  detail?: string;
}

export interface BootstrapReport {
  steps: StepResult[];
  /** Number of writes sent to Vault (0 on a run that found everything in place). */
  vaultWrites: number;
  /** True when anything was created or updated. */
  changed: boolean;
}

const PKI_ROOT_TTL = '87600h';
const PKI_NAMES = { root: 'flowstack-root', intermediate: 'flowstack-intermediate' } as const;
const PKI_INT_TTL = '43800h';

const mountList = z.record(
  z.string(),
  z
    .object({
      type: z.string(),
      options: z.record(z.string(), z.string()).nullish(),
      config: z.object({ max_lease_ttl: z.unknown().optional() }).loose().optional(),
    })
    .loose(),
);
const auditList = z.record(
  z.string(),
  z.object({ type: z.string(), options: z.record(z.string(), z.string()).nullish() }).loose(),
);

/**
 * Configures Vault for flowstack: policies, JWT auth for Nomad workloads, KV v2, the database
 * (PostgreSQL, Redis), RabbitMQ, Transit and PKI engines with their roles, and a file audit
 * device. Every step reads first and writes only what differs, so a second run writes nothing.
 * Engines whose server options are missing (postgres, redis, rabbitmq, JWT keys) are skipped.
 */
export async function bootstrapVault(options: BootstrapOptions): Promise<BootstrapReport> {
  const vault = createVaultHttp({ address: options.address, token: options.token });
  const steps: StepResult[] = [];
  const record = (resource: string, outcome: StepOutcome, detail?: string): void => {
    steps.push({ resource, outcome, ...(detail === undefined ? {} : { detail }) });
  };

  const ensureSettings = async (
    resource: string,
    desired: DesiredSettings,
    flatten: (read: Record<string, unknown>) => Record<string, unknown> = (read) => read,
  ): Promise<void> => {
    const current = await vault.read(resource);
    if (current === undefined) {
      await vault.write(resource, desired.values);
      record(resource, 'created');
      return;
    }
    const differing = differingFields(desired, flatten(current));
    if (differing.length === 0) {
      record(resource, 'unchanged');
      return;
    }
    await vault.write(resource, desired.values);
    record(resource, 'updated', differing.join(', '));
  };

  // JWT auth first: the default role's policy is templated on this mount's accessor.
  const jwtMount = VAULT_MOUNTS.jwtAuth;
  await ensureEnabled(vault, 'sys/auth', jwtMount, { type: 'jwt' }, record);
  const accessor = await mountAccessor(vault, jwtMount);

  // Policies
  for (const [name, file] of await loadPolicies()) {
    const text = name === DEFAULT_ROLE.policy ? renderDefaultPolicy(file, accessor) : file;
    const resource = `sys/policies/acl/${name}`;
    const current = await vault.read(resource);
    const policy = typeof current?.['policy'] === 'string' ? current['policy'] : undefined;
    if (policy === text) {
      record(resource, 'unchanged');
      continue;
    }
    await vault.write(resource, { policy: text });
    record(resource, policy === undefined ? 'created' : 'updated');
  }

  // Two audit devices, so one unwritable target does not stop Vault
  await ensureAudit(vault, 'file', options.auditFilePath, record);
  if (options.auditSecondPath !== undefined) {
    await ensureAudit(vault, 'file-2', options.auditSecondPath, record);
  }

  // Nomad workload identity: the config, the default role, one role per flowstack task
  if (options.jwt) await ensureSettings(`auth/${jwtMount}/config`, jwtConfig(options.jwt));
  else record(`auth/${jwtMount}/config`, 'skipped', 'no --nomad-jwks-url or --jwt-public-key-file');
  await ensureSettings(
    `auth/${jwtMount}/role/${DEFAULT_ROLE.name}`,
    nomadWorkloadsRole(options.workloadNamespaces ?? DEFAULT_WORKLOAD_NAMESPACES),
  );
  for (const role of WORKLOAD_ROLES) {
    await ensureSettings(
      `auth/${jwtMount}/role/${role.name}`,
      workloadJwtRole(role, options.nomadNamespace ?? DEFAULTS.nomadNamespace),
    );
  }

  // KV v2 and each service's config secret (with the fields generated here, e.g. the api's order-id key)
  await ensureEnabled(
    vault,
    'sys/mounts',
    VAULT_MOUNTS.kv,
    { type: 'kv', options: { version: '2' } },
    record,
  );
  for (const service of VAULT_SERVICES) {
    const path = `${VAULT_MOUNTS.kv}/data/${SERVICE_VAULT_NAMES[service].kvConfigPath}`;
    const result = await ensureServiceSecret(vault, path, GENERATED_KV_FIELDS[service] ?? {});
    if (result.outcome === 'updated') record(path, 'updated', `added ${result.added.join(', ')}`);
    else record(path, result.outcome);
  }

  // Database engine: PostgreSQL and Redis
  const db = VAULT_MOUNTS.database;
  await ensureEnabled(vault, 'sys/mounts', db, { type: 'database' }, record);
  if (options.postgres) {
    const groupsCreated = await ensurePostgresGroups(options.postgres);
    record(
      'postgresql: group roles flowstack_readonly, flowstack_readwrite',
      groupsCreated ? 'created' : 'unchanged',
    );
    await ensureSettings(
      `${db}/config/${VAULT_NAMES.postgresConnection}`,
      postgresConnection(templatedPostgresUrl(options.postgres)),
      flattenConnection,
    );
    for (const service of VAULT_SERVICES) {
      await ensureSettings(
        `${db}/roles/${SERVICE_VAULT_NAMES[service].postgresRole}`,
        postgresRole(service, options),
      );
    }
  } else {
    record(`${db}/config/${VAULT_NAMES.postgresConnection}`, 'skipped', 'no --postgres-url');
  }
  if (options.redis) {
    await ensureSettings(
      `${db}/config/${VAULT_NAMES.redisConnection}`,
      redisConnection(options.redis),
      flattenConnection,
    );
    for (const service of VAULT_SERVICES) {
      await ensureSettings(
        `${db}/roles/${SERVICE_VAULT_NAMES[service].redisRole}`,
        redisRole(service, options),
      );
    }
  } else {
    record(`${db}/config/${VAULT_NAMES.redisConnection}`, 'skipped', 'no --redis');
  }

  // RabbitMQ engine
  const mq = VAULT_MOUNTS.rabbitmq;
  await ensureEnabled(vault, 'sys/mounts', mq, { type: 'rabbitmq' }, record);
  if (options.rabbitmq) {
    await ensureSettings(`${mq}/config/connection`, rabbitmqConnection(options.rabbitmq));
    await ensureSettings(`${mq}/config/lease`, rabbitmqLease(options));
    for (const service of VAULT_SERVICES) {
      await ensureSettings(
        `${mq}/roles/${SERVICE_VAULT_NAMES[service].rabbitmqRole}`,
        rabbitmqRole(service, options),
      );
    }
    const exchange = `rabbitmq exchange ${options.rabbitmqVhost} ${options.ordersExchange}`;
    record(
      exchange,
      await ensureOrdersExchange(options.rabbitmq, options.rabbitmqVhost, options.ordersExchange),
    );
  } else {
    record(`${mq}/config/connection`, 'skipped', 'no --rabbitmq-management-url');
  }

  // Transit
  const transit = VAULT_MOUNTS.transit;
  await ensureEnabled(vault, 'sys/mounts', transit, { type: 'transit' }, record);
  const keyPath = `${transit}/keys/${VAULT_NAMES.transitKey}`;
  const key = await vault.read(keyPath);
  if (key === undefined) {
    await vault.write(keyPath, { type: 'aes256-gcm96' });
    record(keyPath, 'created');
  } else if (key['type'] !== 'aes256-gcm96') {
    throw new BootstrapError(
      `${keyPath} exists with type ${String(key['type'])}, not aes256-gcm96`,
    );
  } else {
    record(keyPath, 'unchanged');
  }

  // PKI: root, intermediate signed by it, and the role services issue from
  const root = VAULT_MOUNTS.pkiRoot;
  const int = VAULT_MOUNTS.pkiIntermediate;
  await ensureEnabled(
    vault,
    'sys/mounts',
    root,
    { type: 'pki', config: { max_lease_ttl: PKI_ROOT_TTL } },
    record,
  );
  await ensureEnabled(
    vault,
    'sys/mounts',
    int,
    { type: 'pki', config: { max_lease_ttl: PKI_INT_TTL } },
    record,
  );
  // The AIA and CRL URLs are copied into every certificate issued after they are set, so they
  // go in before the CAs are generated.
  const pkiBaseUrl = (options.pkiBaseUrl ?? options.address).replace(/\/+$/, '');
  for (const mount of [root, int]) await ensurePkiUrls(vault, mount, pkiBaseUrl, record);
  if (await hasCa(vault, root)) {
    record(`${root}/root`, 'unchanged');
  } else {
    // root/generate takes both names: issuer_name for the issuer, key_name for its key.
    await vault.write(`${root}/root/generate/internal`, {
      common_name: 'flowstack Root CA',
      issuer_name: PKI_NAMES.root,
      key_name: PKI_NAMES.root,
      key_type: 'ec',
      key_bits: 384,
      ttl: PKI_ROOT_TTL,
    });
    record(`${root}/root`, 'created');
  }
  if (await hasCa(vault, int)) record(`${int}/intermediate`, 'unchanged');
  else record(`${int}/intermediate`, 'created', await createIntermediate(vault, root, int));
  await ensurePkiNames(vault, int, PKI_NAMES.intermediate, record);
  await ensureSettings(`${int}/roles/${VAULT_NAMES.pkiRole}`, pkiRole());

  // Humans (LDAP, OIDC), service accounts (token role), agents' certificates, Connect's CA
  await bootstrapIdentity({
    vault,
    options,
    record,
    ensureSettings,
    intermediateMount: int,
    ensureEnabled: (table, path, body) => ensureEnabled(vault, table, path, body, record),
  });

  return {
    steps,
    vaultWrites: vault.writes,
    changed: steps.some((s) => s.outcome === 'created' || s.outcome === 'updated'),
  };
}

/** Database and RabbitMQ config reads nest the connection under connection_details. */
function flattenConnection(read: Record<string, unknown>): Record<string, unknown> {
  const details = read['connection_details'];
  return details && typeof details === 'object' ? { ...read, ...details } : read;
}

/** Enables a secrets engine (sys/mounts) or auth method (sys/auth) unless it is there already. */
export async function ensureEnabled(
  vault: VaultHttp,
  table: 'sys/mounts' | 'sys/auth',
  path: string,
  body: { type: string; options?: Record<string, string>; config?: { max_lease_ttl: string } },
  record: (resource: string, outcome: StepOutcome, detail?: string) => void,
): Promise<void> {
  const resource = `${table}/${path}`;
  const listed = mountList.parse((await vault.read(table)) ?? {});
  const current = listed[`${path}/`];
  if (!current) {
    await vault.write(resource, body);
    record(resource, 'created');
    return;
  }
  if (current.type !== body.type) {
    throw new BootstrapError(
      `${path}/ is a ${current.type} mount, not ${body.type}: not touching it`,
    );
  }
  if (
    body.options?.['version'] !== undefined &&
    current.options?.['version'] !== body.options['version']
  ) {
    throw new BootstrapError(
      `${path}/ is KV version ${current.options?.['version'] ?? '1'}, not 2`,
    );
  }
  const wantedTtl = body.config?.max_lease_ttl;
  if (
    wantedTtl !== undefined &&
    durationSeconds(current.config?.max_lease_ttl) !== durationSeconds(wantedTtl)
  ) {
    await vault.write(`${resource}/tune`, { max_lease_ttl: wantedTtl });
    record(resource, 'updated', 'max_lease_ttl');
    return;
  }
  record(resource, 'unchanged');
}

async function ensureAudit(
  vault: VaultHttp,
  device: string,
  filePath: string,
  record: (resource: string, outcome: StepOutcome, detail?: string) => void,
): Promise<void> {
  const resource = `sys/audit/${device}`;
  const devices = auditList.parse((await vault.read('sys/audit')) ?? {});
  const current = devices[`${device}/`];
  if (!current) {
    await vault.write(resource, {
      type: 'file',
      description: `flowstack audit log (${filePath})`,
      options: { file_path: filePath },
    });
    record(resource, 'created');
  } else if (current.type !== 'file' || current.options?.['file_path'] !== filePath) {
    // Vault cannot change a device in place; replacing it would lose audit continuity.
    record(
      resource,
      'skipped',
      `exists with another target (${current.options?.['file_path'] ?? current.type})`,
    );
  } else {
    record(resource, 'unchanged');
  }
}

const authList = z.record(z.string(), z.object({ accessor: z.string() }).loose());

/** The accessor Vault gave an auth mount (what templated policies name it by). */
async function mountAccessor(vault: VaultHttp, path: string): Promise<string> {
  const listed = authList.safeParse((await vault.read('sys/auth')) ?? {});
  const accessor = listed.success ? listed.data[`${path}/`]?.accessor : undefined;
  if (accessor === undefined) throw new BootstrapError(`sys/auth lists no accessor for ${path}/`);
  return accessor;
}

const caReply = z.object({ certificate: z.string().optional() }).loose();

async function hasCa(vault: VaultHttp, mount: string): Promise<boolean> {
  const reply = await vault.request('GET', `${mount}/cert/ca`);
  if (reply.status === 404 || reply.status === 400) return false;
  if (reply.status !== 200) {
    throw new BootstrapError(`GET ${mount}/cert/ca: ${vaultErrorText(reply.body)}`, reply.status);
  }
  const body = z.object({ data: caReply.optional() }).loose().parse(reply.body);
  return (body.data?.certificate ?? '').includes('BEGIN CERTIFICATE');
}

const csrReply = z.object({ data: z.object({ csr: z.string() }).loose() }).loose();
const signedReply = z
  .object({
    data: z.object({ certificate: z.string(), issuing_ca: z.string().optional() }).loose(),
  })
  .loose();

/** Generates the intermediate's key and CSR, signs it with the root, and imports the result. */
async function createIntermediate(
  vault: VaultHttp,
  root: string,
  int: string,
): Promise<string | undefined> {
  // intermediate/generate names the key only (`key_name`, builtin/logical/pki/path_intermediate.go
  // pathGenerateIntermediate -> getKeyName); the issuer exists only after set-signed and is named
  // by ensurePkiNames.
  const generated = await vault.request('POST', `${int}/intermediate/generate/internal`, {
    common_name: 'flowstack Intermediate CA',
    key_name: PKI_NAMES.intermediate,
    key_type: 'ec',
    key_bits: 256,
  });
  if (generated.status === 404 || generated.status === 405) {
    // A server without intermediate endpoints (the in-repo double): give pki_int its own CA so
    // that services can still issue; real Vault always takes the branch below.
    await vault.write(`${int}/root/generate/internal`, {
      common_name: 'flowstack Intermediate CA (self-signed)',
      key_type: 'ec',
      key_bits: 256,
      ttl: PKI_INT_TTL,
    });
    return 'server has no intermediate endpoints: self-signed issuer';
  }
  if (generated.status !== 200) {
    throw new BootstrapError(
      `POST ${int}/intermediate/generate/internal: ${vaultErrorText(generated.body)}`,
      generated.status,
    );
  }
  const { csr } = csrReply.parse(generated.body).data;
  const signed = await vault.write(`${root}/root/sign-intermediate`, {
    csr,
    format: 'pem',
    ttl: PKI_INT_TTL,
  });
  const { certificate, issuing_ca: issuingCa } = signedReply.parse(signed.body).data;
  // set-signed takes only `certificate`; appending the root lets Vault build the full chain
  // (path_intermediate.go pathSetSignedIntermediate: "Additional parent CAs may be optionally
  // appended to the bundle").
  await vault.write(`${int}/intermediate/set-signed`, {
    certificate: issuingCa === undefined ? certificate : `${certificate}\n${issuingCa}`,
  });
  return undefined;
}
