import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { VAULT_SERVICES, vaultPathRegistry } from '@flowstack/vault/paths';
import { DEFAULT_ROLE, WORKLOAD_ROLES } from '@flowstack/infra-vault/workload-roles';
import type { Intention } from './consul-intentions.js';
import { parseDuration } from './duration.js';
import { parseHcl } from './hcl.js';
import { toJobFile, type JobFile } from './job-model.js';
import type { PolicyRule, VaultAccess } from './vault-access.js';
import { parsePolicy } from './vault-access.js';
import { isRecord } from './variables.js';

const NOMAD_DEFAULT_MAX_KILL_TIMEOUT_MS = 30_000;

/** The files of the repository the rules read, parsed. */
export interface Repository {
  root: string;
  jobs: JobFile[];
  /** Every HCL file that was parsed (jobs, Vault policies, Nomad agent config, volumes). */
  parsedFiles: string[];
  vault: VaultAccess;
  intentions: Intention[] | undefined;
  maxKillTimeoutMs: number;
}

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
  for (const path of await hclFiles(join(root, 'infra/nomad'), '.hcl')) {
    const document = await parseHcl(rel(path), await readFile(path, 'utf8'));
    parsedFiles.push(rel(path));
    const client = Array.isArray(document['client'])
      ? (document['client'][0] as unknown)
      : undefined;
    if (isRecord(client) && typeof client['max_kill_timeout'] === 'string') {
      maxKillTimeoutMs = parseDuration(client['max_kill_timeout']) ?? maxKillTimeoutMs;
    }
  }

  return {
    root,
    jobs,
    parsedFiles,
    vault: { registry: vaultRegistry(), policies, roles: vaultRoles() },
    intentions: await loadIntentions(root, parsedFiles),
    maxKillTimeoutMs,
  };
}

/** The registry of packages/vault/src/paths.ts, by service. */
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
