import {
  createAuditBroker,
  type AuditBroker,
  type SavedAuditDevice,
} from '../audit/audit-broker.js';
import { createAuthTable, type AuthTable, type SavedAuthMount } from '../auth/auth-table.js';
import {
  createIdentityGroups,
  type IdentityGroups,
  type SavedIdentityGroups,
} from '../auth/identity-groups.js';
import { createIdentityStore, type IdentityStore } from '../auth/identity-store.js';
import { createTokenRoles, type TokenRole } from '../auth/token-roles.js';
import { createTokenBackend } from '../auth/token-routes.js';
import { createTokenStore, type StoredToken, type TokenStore } from '../auth/token-store.js';
import { buildAcl, type Acl } from '../policy/acl.js';
import { createPolicyStore, type PolicyStore } from '../policy/policy-store.js';
import { resolveTemplates } from '../policy/policy-templates.js';
import { newUuid } from './ids.js';
import { createMountTable, type MountTable, type SavedMount } from './mount-table.js';
import type { Clock, LeaseRegistry, RouteModule } from './types.js';

export const VAULT_VERSION = '1.15.6+vault-double';

/** Everything --state-file persists. */
export interface SavedState {
  version: 1;
  clusterId: string;
  tokens: StoredToken[];
  /** auth/token/roles; absent in files written before token roles existed. */
  tokenRoles?: Record<string, TokenRole>;
  policies: Record<string, string>;
  identity: Record<string, string>;
  /** identity/group*; absent in files written before identity groups existed. */
  identityGroups?: SavedIdentityGroups;
  authMounts: SavedAuthMount[];
  mounts: SavedMount[];
  audit: SavedAuditDevice[];
}

export interface VaultCore {
  clock: Clock;
  clusterId: string;
  tokens: TokenStore;
  policies: PolicyStore;
  identity: IdentityStore;
  identityGroups: IdentityGroups;
  auth: AuthTable;
  mounts: MountTable;
  audit: AuditBroker;
  routeModules: readonly RouteModule[];
  aclFor(token: StoredToken): Promise<Acl>;
  snapshot(): SavedState;
}

export interface CoreOptions {
  clock: Clock;
  rootToken: string;
  leases: LeaseRegistry;
  routeModules: readonly RouteModule[];
  saved: SavedState | undefined;
}

export function createVaultCore(options: CoreOptions): VaultCore {
  const { clock, saved } = options;
  const tokens = createTokenStore(clock, saved?.tokens);
  const policies = createPolicyStore(saved?.policies);
  const identity = createIdentityStore(saved?.identity);
  const identityGroups = createIdentityGroups(saved?.identityGroups);

  const aclFor = async (token: StoredToken): Promise<Acl> => {
    if (token.policies.includes('root')) return buildAcl([], true);
    // Token policies plus the identity policies of the entity's groups, as Vault evaluates them.
    const names = [...new Set([...token.policies, ...identityGroups.policiesOf(token.entityId)])];
    const rules = resolveTemplates(await policies.rulesOf(names), {
      entityId: token.entityId,
      entityName: token.entityId === '' ? '' : `entity_${token.entityId.slice(0, 8)}`,
      aliasMountAccessor: token.authMountAccessor,
      aliasName: token.aliasName,
      aliasMetadata: token.entityAliasMetadata,
    });
    return buildAcl(rules);
  };

  const hasSudo = async (token: StoredToken, path: string): Promise<boolean> =>
    (await aclFor(token)).capabilities(path).has('sudo');
  const tokenRoles = createTokenRoles({ tokens, policies, hasSudo }, saved?.tokenRoles);
  const tokenBackend = createTokenBackend({ tokens, policies, hasSudo, roles: tokenRoles });
  const auth = createAuthTable(
    { clock, tokens, identity, groups: identityGroups, tokenBackend },
    saved?.authMounts,
  );
  const mounts = createMountTable(clock, options.leases, saved?.mounts);
  const audit = createAuditBroker(saved?.audit);

  if (!saved) mounts.mount('secret/', 'kv', 'key/value secret storage', { version: '2' }, {});
  if (!tokens.lookup(options.rootToken)) {
    tokens.create({
      id: options.rootToken,
      policies: ['root'],
      parent: undefined,
      path: 'auth/token/root',
      displayName: 'root',
      ttl: 0,
      explicitMaxTtl: 0,
      period: 0,
      renewable: false,
      noExpiry: true,
    });
  }
  const clusterId = saved?.clusterId ?? newUuid();

  return {
    clock,
    clusterId,
    tokens,
    policies,
    identity,
    identityGroups,
    auth,
    mounts,
    audit,
    routeModules: [...options.routeModules, identityGroups.routes],
    aclFor,
    snapshot: () => ({
      version: 1,
      clusterId,
      tokens: tokens.snapshot(),
      tokenRoles: tokenRoles.snapshot(),
      policies: policies.snapshot(),
      identity: identity.snapshot(),
      identityGroups: identityGroups.snapshot(),
      authMounts: auth.snapshot(),
      mounts: mounts.snapshot(),
      audit: audit.snapshot(),
    }),
  };
}
