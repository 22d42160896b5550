import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { vaultPathRegistry } from '@flowstack/infra-vault/registry';
import { VAULT_SERVICES } from '@flowstack/vault/paths';
import { DEFAULT_ROLE, WORKLOAD_ROLES } from '@flowstack/infra-vault/workload-roles';
import type { Intention } from './consul-intentions.js';
import { parseDuration } from './duration.js';
import { parseHcl } from './hcl.js';
import { toJobFile, type JobFile } from './job-model.js';
import type { PolicyRule, VaultAccess } from './vault-access.js';
import { parsePolicy } from './vault-access.js';
import { isRecord } from './variables.js';

const NOMAD_DEFAULT_MAX_KILL_TIMEOUT_MS = 30_000;

/** What the Nomad agent files (infra/nomad/*.hcl) configure for Consul. */
export interface NomadAgentConsul {
  /** The servers sign a workload identity for every Consul service (consul.service_identity). */
  serviceIdentity: boolean;
  /** The servers sign a Consul identity for tasks with a consul block (consul.task_identity). */
  taskIdentity: boolean;
  /** consul.service_auth_method / task_auth_method of the clients ("nomad-workloads" if unset). */
  serviceAuthMethod: string;
  taskAuthMethod: string;
  grpcAddress: string | undefined;
  grpcCaFile: string | undefined;
}

/** The files of the repository the rules read, parsed. */
export interface Repository {
  root: string;
  jobs: JobFile[];
  /** Every HCL file that was parsed (jobs, Vault policies, Nomad agent config, volumes). */
  parsedFiles: string[];
  vault: VaultAccess;
  intentions: Intention[] | undefined;
  maxKillTimeoutMs: number;
  nomadConsul: NomadAgentConsul;
  /**
   * Names the Consul bootstrap (infra/consul/src) may give the ACL auth methods it writes;
   * undefined when its sources never call /v1/acl/auth-method.
   */
  consulAuthMethods: string[] | undefined;
  /** Shell scripts the rules read statically, by path (infra/nomad/deploy.sh, dev-cluster). */
  scripts: Map<string, string>;
  /** The Consul service meta key Prometheus reads the metrics port from, if its config has one. */
  prometheusMetricsMeta: string | undefined;
  /** Consul services Prometheus scrapes (its `job` label), if its config lists them. */
  prometheusScrapedServices: string[] | undefined;
}

/** Nomad's default for consul.service_auth_method and task_auth_method (`nomad setup consul`). */
const NOMAD_DEFAULT_AUTH_METHOD = 'nomad-workloads';

export const STATIC_SCRIPTS = [
  'infra/nomad/deploy.sh',
  'infra/dev-cluster/up.sh',
  'infra/dev-cluster/down.sh',
] as const;

async function hclFiles(dir: string, suffix: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true });
  return entries
    .filter((name) => name.endsWith(suffix) && !name.split('/').includes('node_modules'))
    .sort()
    .map((name) => join(dir, name));
}

/** Nomad's -var defaults apply; the rules see what `nomad job run jobs/x.nomad.hcl` deploys. */
export async function loadJobFile(path: string, displayName = path): Promise<JobFile> {
  return toJobFile(displayName, await parseHcl(displayName, await readFile(path, 'utf8')));
}

export async function loadRepository(root: string): Promise<Repository> {
  const rel = (path: string) => relative(root, path);
  const parsedFiles: string[] = [];

  const jobs: JobFile[] = [];
  for (const path of await hclFiles(join(root, 'jobs'), '.nomad.hcl')) {
    jobs.push(await loadJobFile(path, rel(path)));
    parsedFiles.push(rel(path));
  }

  const policies = new Map<string, PolicyRule[]>();
  for (const path of await hclFiles(join(root, 'infra/vault/policies'), '.hcl')) {
    const name = path.slice(path.lastIndexOf('/') + 1, -'.hcl'.length);
    policies.set(name, await parsePolicy(rel(path), await readFile(path, 'utf8')));
    parsedFiles.push(rel(path));
  }

  let maxKillTimeoutMs = NOMAD_DEFAULT_MAX_KILL_TIMEOUT_MS;
  const nomadConsul: NomadAgentConsul = {
    serviceIdentity: false,
    taskIdentity: false,
    serviceAuthMethod: NOMAD_DEFAULT_AUTH_METHOD,
    taskAuthMethod: NOMAD_DEFAULT_AUTH_METHOD,
    grpcAddress: undefined,
    grpcCaFile: undefined,
  };
  for (const path of await hclFiles(join(root, 'infra/nomad'), '.hcl')) {
    const document = await parseHcl(rel(path), await readFile(path, 'utf8'));
    parsedFiles.push(rel(path));
    const client = firstBlock(document['client']);
    if (client && typeof client['max_kill_timeout'] === 'string') {
      maxKillTimeoutMs = parseDuration(client['max_kill_timeout']) ?? maxKillTimeoutMs;
    }
    const consul = firstBlock(document['consul']);
    if (consul) readAgentConsul(consul, nomadConsul);
  }

  return {
    root,
    jobs,
    parsedFiles,
    vault: { registry: vaultRegistry(), policies, roles: vaultRoles() },
    intentions: await loadIntentions(root, parsedFiles),
    maxKillTimeoutMs,
    nomadConsul,
    consulAuthMethods: await consulAuthMethods(root),
    scripts: await readScripts(root),
    ...(await prometheusConfig(root)),
  };
}

function firstBlock(value: unknown): Record<string, unknown> | undefined {
  const body: unknown = Array.isArray(value) ? value[0] : undefined;
  return isRecord(body) ? body : undefined;
}

function readAgentConsul(consul: Record<string, unknown>, into: NomadAgentConsul): void {
  if (firstBlock(consul['service_identity'])) into.serviceIdentity = true;
  if (firstBlock(consul['task_identity'])) into.taskIdentity = true;
  if (typeof consul['service_auth_method'] === 'string') {
    into.serviceAuthMethod = consul['service_auth_method'];
  }
  if (typeof consul['task_auth_method'] === 'string') {
    into.taskAuthMethod = consul['task_auth_method'];
  }
  if (typeof consul['grpc_address'] === 'string') into.grpcAddress = consul['grpc_address'];
  if (typeof consul['grpc_ca_file'] === 'string') into.grpcCaFile = consul['grpc_ca_file'];
}

const STRING_LITERAL = /['"`]([A-Za-z0-9][A-Za-z0-9_.-]*)['"`]/g;

/**
 * The auth methods infra/consul's bootstrap can write. Its source is TypeScript, so this is a
 * static reading: when some non-test source file calls `/v1/acl/auth-method`, every string literal
 * of the bootstrap's sources is a candidate name (the name may sit in a constants file). Enough to
 * tell that the method Nomad's clients log in through is not one the bootstrap never mentions.
 */
async function consulAuthMethods(root: string): Promise<string[] | undefined> {
  const dir = join(root, 'infra/consul/src');
  if (!existsSync(dir)) return undefined;
  const sources: string[] = [];
  for (const name of await readdir(dir, { recursive: true })) {
    if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
      sources.push(await readFile(join(dir, name), 'utf8'));
    }
  }
  if (!sources.some((text) => text.includes('acl/auth-method'))) return undefined;
  const names = new Set<string>();
  for (const text of sources) {
    for (const match of text.matchAll(STRING_LITERAL)) names.add(match[1]!);
  }
  return [...names].sort();
}

async function readScripts(root: string): Promise<Map<string, string>> {
  const scripts = new Map<string, string>();
  for (const path of STATIC_SCRIPTS) {
    const full = join(root, path);
    if (existsSync(full)) scripts.set(path, await readFile(full, 'utf8'));
  }
  return scripts;
}

/**
 * What infra/observability's Prometheus reads from Consul: the meta key of the metrics port and
 * the services of its consul_sd_configs (`services: [a, b]`), which become the `job` label.
 */
async function prometheusConfig(
  root: string,
): Promise<Pick<Repository, 'prometheusMetricsMeta' | 'prometheusScrapedServices'>> {
  const path = join(root, 'infra/observability/prometheus/prometheus.yml');
  if (!existsSync(path)) {
    return { prometheusMetricsMeta: undefined, prometheusScrapedServices: undefined };
  }
  const text = await readFile(path, 'utf8');
  const meta = /__meta_consul_service_metadata_([A-Za-z0-9_]+)/.exec(text)?.[1];
  const services = [...text.matchAll(/^\s*services:\s*\[([^\]]*)\]/gm)].flatMap((match) =>
    match[1]!
      .split(',')
      .map((name) => name.trim().replace(/^['"]|['"]$/g, ''))
      .filter((name) => name !== ''),
  );
  return {
    prometheusMetricsMeta: meta,
    prometheusScrapedServices: services.length > 0 ? services : undefined,
  };
}

/** The path registry of infra/vault/src/registry.ts, by service. */
function vaultRegistry(): VaultAccess['registry'] {
  return new Map(
    VAULT_SERVICES.map((service) => [
      service,
      vaultPathRegistry[service].map((grant) => ({
        path: grant.path,
        capabilities: grant.capabilities,
      })),
    ]),
  );
}

/**
 * The JWT roles infra/vault writes at jwt-nomad, from the objects the bootstrap sends
 * (infra/vault/src/workload-roles.ts): each flowstack role with the policy of its name, and the
 * default role with Nomad's templated policy.
 */
function vaultRoles(): VaultAccess['roles'] {
  return new Map<string, readonly string[]>([
    [DEFAULT_ROLE.name, [DEFAULT_ROLE.policy]],
    ...WORKLOAD_ROLES.map((role) => [role.name, [role.name]] as const),
  ]);
}

/**
 * service-intentions config entries under infra/consul, in Consul's own HCL or JSON form
 * (`Kind = "service-intentions"`, `Name`, `Sources = [{ Name, Action }]`). Undefined when there
 * are none yet, so the rule can say it was skipped.
 */
async function loadIntentions(
  root: string,
  parsedFiles: string[],
): Promise<Intention[] | undefined> {
  const dir = join(root, 'infra/consul');
  const files = [...(await hclFiles(dir, '.hcl')), ...(await hclFiles(dir, '.json'))].filter(
    (path) => !/(package|tsconfig[^/]*)\.json$/.test(path),
  );
  const intentions: Intention[] = [];
  let found = false;
  for (const path of files) {
    const text = await readFile(path, 'utf8');
    const document: unknown = path.endsWith('.json')
      ? JSON.parse(text)
      : await parseHcl(relativeTo(root, path), text);
    if (path.endsWith('.hcl')) parsedFiles.push(relativeTo(root, path));
    const entries = Array.isArray(document) ? document : [document];
    for (const entry of entries) {
      if (!isRecord(entry) || entry['Kind'] !== 'service-intentions') continue;
      found = true;
      const destination = String(entry['Name']);
      const sources = Array.isArray(entry['Sources']) ? entry['Sources'] : [];
      for (const source of sources) {
        if (!isRecord(source)) continue;
        const action = source['Action'] === 'allow' ? 'allow' : 'deny';
        intentions.push({ source: String(source['Name']), destination, action });
      }
    }
  }
  return found ? intentions : undefined;
}

function relativeTo(root: string, path: string): string {
  return relative(root, path);
}
