import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { BootstrapOptions } from './bootstrap-options.js';
import { POLICIES_DIR } from './service-policies.js';
import type { DesiredSettings } from './settings-compare.js';
import {
  AGENT_PKI_ROLE,
  agentPkiRole,
  CONNECT_CA,
  connectCaTokenRole,
  IDENTITY_NAMES,
  LDAP_MOUNT,
  ldapConfig,
  ldapOperatorsGroup,
  OIDC_MOUNT,
  OIDC_OPERATORS_IDENTITY_GROUP,
  OIDC_ROLE,
  oidcConfig,
  oidcOperatorRole,
  oidcOperatorsGroup,
  producerTokenRole,
  type OidcProvider,
} from './identity-settings.js';
import type { VaultHttp } from './vault-http.js';

type Outcome = 'created' | 'updated' | 'unchanged' | 'skipped';

export interface IdentityStepDeps {
  vault: VaultHttp;
  options: BootstrapOptions;
  record(resource: string, outcome: Outcome, detail?: string): void;
  /** The bootstrap's read-compare-write step. */
  ensureSettings(resource: string, desired: DesiredSettings): Promise<void>;
  /** The bootstrap's enable-if-missing step for sys/auth and sys/mounts. */
  /** The services' intermediate PKI mount (pki_int), where the agents' role lives too. */
  intermediateMount: string;
  ensureEnabled(
    table: 'sys/mounts' | 'sys/auth',
    path: string,
    body: { type: string; config?: { max_lease_ttl: string } },
  ): Promise<void>;
}

/** Policies of the identity map that are written by hand in policies/<name>.hcl. */
export const IDENTITY_POLICIES = [
  IDENTITY_NAMES.producerIssuerPolicy,
  CONNECT_CA.policy,
  'agent-tls',
] as const;

async function ensurePolicy(deps: IdentityStepDeps, name: string): Promise<void> {
  const text = await readFile(new URL(`${name}.hcl`, POLICIES_DIR), 'utf8');
  const resource = `sys/policies/acl/${name}`;
  const current = await deps.vault.read(resource);
  if (current?.['policy'] === text) return deps.record(resource, 'unchanged');
  await deps.vault.write(resource, { policy: text });
  deps.record(resource, current === undefined ? 'created' : 'updated');
}

/**
 * The identity map's auth side: service accounts (token role `producer`), humans (LDAP and
 * OIDC), and the policies that go with them. Runs after the policies, auth methods and engines of the main bootstrap.
 */
export async function bootstrapIdentity(deps: IdentityStepDeps): Promise<void> {
  for (const name of IDENTITY_POLICIES) await ensurePolicy(deps, name);
  await deps.ensureSettings(
    `auth/token/roles/${IDENTITY_NAMES.producerTokenRole}`,
    producerTokenRole(),
  );

  // Humans through LDAP: members of the operators group get admin.
  const ldap = deps.options.ldap;
  if (ldap) {
    await deps.ensureEnabled('sys/auth', LDAP_MOUNT, { type: 'ldap' });
    await deps.ensureSettings(`auth/${LDAP_MOUNT}/config`, ldapConfig(ldap));
    await deps.ensureSettings(
      `auth/${LDAP_MOUNT}/groups/${ldap.operatorsGroup}`,
      ldapOperatorsGroup(),
    );
  }

  // The agents' TLS and Consul Connect's CA
  await deps.ensureSettings(`${deps.intermediateMount}/roles/${AGENT_PKI_ROLE}`, agentPkiRole());
  await ensureConnectCa(deps);

  // Humans through OIDC: the groups claim maps to admin through an external identity group.
  const oidc = deps.options.oidc;
  // Both are optional: a site without a directory or an IdP gets neither mount.
  if (oidc) await ensureOidc(deps, oidc);
}

const authList = z.record(z.string(), z.object({ accessor: z.string() }).loose());
const groupRead = z
  .object({
    id: z.string(),
    alias: z
      .object({ name: z.string().optional(), mount_accessor: z.string().optional() })
      .loose()
      .nullish(),
  })
  .loose();

async function ensureOidc(deps: IdentityStepDeps, oidc: OidcProvider): Promise<void> {
  await deps.ensureEnabled('sys/auth', OIDC_MOUNT, { type: 'oidc' });
  await deps.ensureSettings(`auth/${OIDC_MOUNT}/config`, oidcConfig(oidc));
  await deps.ensureSettings(`auth/${OIDC_MOUNT}/role/${OIDC_ROLE}`, oidcOperatorRole(oidc));
  const groupPath = `identity/group/name/${OIDC_OPERATORS_IDENTITY_GROUP}`;
  await deps.ensureSettings(groupPath, oidcOperatorsGroup());

  // The alias ties the provider's group name, as it appears in the groups claim, to this mount.
  const accessor = authList.parse((await deps.vault.read('sys/auth')) ?? {})[`${OIDC_MOUNT}/`]
    ?.accessor;
  const group = groupRead.parse(await deps.vault.read(groupPath));
  const resource = `identity/group-alias (${oidc.operatorsGroup} -> ${OIDC_OPERATORS_IDENTITY_GROUP})`;
  if (group.alias?.name === oidc.operatorsGroup && group.alias.mount_accessor === accessor) {
    deps.record(resource, 'unchanged');
    return;
  }
  await deps.vault.write('identity/group-alias', {
    name: oidc.operatorsGroup,
    mount_accessor: accessor,
    canonical_id: group.id,
  });
  deps.record(resource, group.alias?.name ? 'updated' : 'created');
}

/**
 * The Vault side of Consul Connect's CA: both PKI mounts and the root, Vault-managed, so that
 * the Consul token needs no sudo and cannot replace the root; Consul generates and rotates the
 * intermediate itself (provider_vault.go GenerateIntermediate).
 */
async function ensureConnectCa(deps: IdentityStepDeps): Promise<void> {
  await deps.ensureEnabled('sys/mounts', CONNECT_CA.rootMount, {
    type: 'pki',
    config: { max_lease_ttl: CONNECT_CA.rootTtl },
  });
  await deps.ensureEnabled('sys/mounts', CONNECT_CA.intermediateMount, {
    type: 'pki',
    config: { max_lease_ttl: CONNECT_CA.intermediateTtl },
  });
  const resource = `${CONNECT_CA.rootMount}/root`;
  const reply = await deps.vault.request('GET', `${CONNECT_CA.rootMount}/ca/pem`);
  // ca/pem is raw PEM, so the client hands it back as a string.
  if (
    reply.status === 200 &&
    typeof reply.body === 'string' &&
    reply.body.includes('BEGIN CERTIFICATE')
  ) {
    deps.record(resource, 'unchanged');
  } else {
    await deps.vault.write(`${CONNECT_CA.rootMount}/root/generate/internal`, {
      common_name: 'flowstack Connect Root CA',
      issuer_name: 'connect-root',
      key_type: 'ec',
      key_bits: 256,
      ttl: CONNECT_CA.rootTtl,
    });
    deps.record(resource, 'created');
  }
  await deps.ensureSettings(`auth/token/roles/${CONNECT_CA.tokenRole}`, connectCaTokenRole());
}
