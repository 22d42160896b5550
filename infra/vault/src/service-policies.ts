import { readFile } from 'node:fs/promises';
import { SERVICE_VAULT_NAMES, VAULT_SERVICES, type VaultService } from '@flowstack/vault/paths';
import { pathsFor, renderPolicyBlock } from './registry.js';
import { DATA_SERVICE_ROLES, DEFAULT_ROLE } from './workload-roles.js';

/** The seed's three policies, written by hand in policies/<name>.hcl. */
export const SEED_POLICIES = ['admin', 'producer', 'consumer'] as const;

/** Every policy the bootstrap writes, in order. */
export const POLICY_NAMES: readonly string[] = [
  ...SEED_POLICIES,
  DEFAULT_ROLE.policy,
  ...VAULT_SERVICES.map((service) => SERVICE_VAULT_NAMES[service].policy),
  ...DATA_SERVICE_ROLES.map((role) => role.name),
];

/** infra/vault/policies, from src/ and from dist/ alike. */
export const POLICIES_DIR = new URL('../policies/', import.meta.url);

/**
 * The service's policy as HCL, generated from the path registry: one path per block (exact, or a
 * lease prefix), the capabilities the registry lists. policies/flowstack-<service>.hcl holds this text.
 */
export function renderServicePolicy(service: VaultService): string {
  const name = SERVICE_VAULT_NAMES[service].policy;
  const header = [
    `# ${name}: generated from infra/vault/src/registry.ts; do not edit by hand.`,
    '# Regenerate with: npm run build -w @flowstack/infra-vault && node infra/vault/dist/render-policies.js',
    '# Bound to the JWT role of the same name at jwt-nomad (bound_claims nomad_namespace, nomad_job_id, nomad_task).',
  ];
  const blocks = pathsFor(service).map(renderPolicyBlock);
  return `${header.join('\n')}\n\n${blocks.join('\n\n')}\n`;
}

/** Reads the policy files the bootstrap writes: name -> HCL text. */
export async function loadPolicies(dir: URL = POLICIES_DIR): Promise<ReadonlyMap<string, string>> {
  const entries = await Promise.all(
    POLICY_NAMES.map(
      async (name) => [name, await readFile(new URL(`${name}.hcl`, dir), 'utf8')] as const,
    ),
  );
  return new Map(entries);
}
