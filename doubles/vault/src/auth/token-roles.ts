import type { BackendRequest, BackendResponse } from '../core/backend.js';
import { VaultError } from '../core/types.js';
import { bool, duration, has, int, str, strList, strMap } from '../http/body.js';
import type { PolicyStore } from '../policy/policy-store.js';
import { authBlockOf, normalizePolicies } from './auth-block.js';
import type { StoredToken, TokenStore } from './token-store.js';

/**
 * Token roles (`auth/token/roles/:name`) and creation against them (`auth/token/create/:name`),
 * as hashicorp/vault `vault/token_store.go` does it: `tokenStoreRoleCreateUpdate`,
 * `handleCreateAgainstRole` and the role branch of `handleCreateCommon`. A role's
 * `allowed_policies` replace the "subset of the parent" rule, and its `orphan` and `period` need
 * no sudo from the caller: that is what makes a role the safe way to hand out service-account
 * tokens.
 */
export interface TokenRole {
  allowedPolicies: string[];
  disallowedPolicies: string[];
  orphan: boolean;
  renewable: boolean;
  pathSuffix: string;
  /** Seconds; 0 = not periodic. */
  period: number;
  /** Seconds; 0 = none. */
  explicitMaxTtl: number;
  noDefaultPolicy: boolean;
  numUses: number;
}

export interface TokenRoles {
  /** Serves `roles`, `roles/:name` and `create/:name` inside auth/token/; undefined for other paths. */
  handle(req: BackendRequest): Promise<BackendResponse> | undefined;
  exists(path: string): boolean;
  snapshot(): Record<string, TokenRole>;
}

export interface TokenRoleDeps {
  tokens: TokenStore;
  policies: PolicyStore;
  hasSudo(token: StoredToken, path: string): Promise<boolean>;
}

const ROLE_PATH = /^roles\/([^/]+)$/;
const CREATE_PATH = /^create\/([^/]+)$/;

/** Go's `%q` of a []string, which Vault's policy errors print: ["a" "b"]. */
function goQuoted(list: readonly string[]): string {
  return `[${list.map((p) => JSON.stringify(p)).join(' ')}]`;
}

export function createTokenRoles(
  deps: TokenRoleDeps,
  saved: Record<string, TokenRole> = {},
): TokenRoles {
  const roles = new Map<string, TokenRole>(Object.entries(saved));

  const writeRole = (name: string, body: Record<string, unknown>): BackendResponse => {
    for (const unsupported of [
      'allowed_policies_glob',
      'disallowed_policies_glob',
      'bound_cidrs',
    ]) {
      if (strList(body, unsupported).length > 0) {
        throw new VaultError(400, `${unsupported} is not supported by this double`);
      }
    }
    const type = str(body, 'token_type', 'default-service');
    if (!['default', 'service', 'default-service'].includes(type)) {
      throw new VaultError(
        400,
        `token_type "${type}" is not supported by this double (service tokens only)`,
      );
    }
    const current = roles.get(name);
    const pick = (field: string, legacy: string, fallback: number): number =>
      has(body, field) ? duration(body, field) : duration(body, legacy, fallback);
    const role: TokenRole = {
      allowedPolicies: has(body, 'allowed_policies')
        ? normalizePolicies(strList(body, 'allowed_policies'), false)
        : (current?.allowedPolicies ?? []),
      disallowedPolicies: has(body, 'disallowed_policies')
        ? [...new Set(strList(body, 'disallowed_policies').map((p) => p.toLowerCase()))]
        : (current?.disallowedPolicies ?? []),
      orphan: bool(body, 'orphan', current?.orphan ?? false),
      renewable: bool(body, 'renewable', current?.renewable ?? true),
      pathSuffix: str(body, 'path_suffix', current?.pathSuffix ?? ''),
      period: pick('token_period', 'period', current?.period ?? 0),
      explicitMaxTtl: pick(
        'token_explicit_max_ttl',
        'explicit_max_ttl',
        current?.explicitMaxTtl ?? 0,
      ),
      noDefaultPolicy: bool(body, 'token_no_default_policy', current?.noDefaultPolicy ?? false),
      numUses: int(body, 'token_num_uses', current?.numUses ?? 0),
    };
    if (role.pathSuffix.includes('..')) {
      throw new VaultError(400, 'error registering path suffix: path_suffix contains ".."');
    }
    roles.set(name, role);
    return { status: 204 };
  };

  const readRole = (name: string): BackendResponse => {
    const r = roles.get(name);
    if (!r) throw new VaultError(404, '');
    return {
      status: 200,
      data: {
        name,
        allowed_policies: r.allowedPolicies,
        disallowed_policies: r.disallowedPolicies,
        allowed_policies_glob: [],
        disallowed_policies_glob: [],
        allowed_entity_aliases: null,
        orphan: r.orphan,
        renewable: r.renewable,
        path_suffix: r.pathSuffix,
        period: r.period,
        explicit_max_ttl: r.explicitMaxTtl,
        token_period: r.period,
        token_explicit_max_ttl: r.explicitMaxTtl,
        token_no_default_policy: r.noDefaultPolicy,
        token_num_uses: r.numUses,
        token_bound_cidrs: [],
        token_type: 'default-service',
      },
    };
  };

  /** The role branch of handleCreateCommon. */
  const createAgainstRole = async (name: string, req: BackendRequest): Promise<BackendResponse> => {
    const role = roles.get(name);
    if (!role) throw new VaultError(400, `unknown role ${name}`);
    const parent = req.token;
    if (!parent) throw new VaultError(403, 'permission denied');
    if (parent.numUses > 0) {
      throw new VaultError(400, 'restricted use token cannot generate child tokens');
    }
    const body = req.body;
    const isSudo = parent.policies.includes('root') || (await deps.hasSudo(parent, req.fullPath));
    const warnings: string[] = [];
    const noDefault = bool(body, 'no_default_policy', false) || role.noDefaultPolicy;
    const requested = strList(body, 'policies');

    let policies: string[];
    if (role.allowedPolicies.length > 0 || role.disallowedPolicies.length > 0) {
      const addDefault = !noDefault && !role.disallowedPolicies.includes('default');
      let final = requested.length > 0 ? normalizePolicies(requested, addDefault) : [];
      if (role.allowedPolicies.length > 0) {
        const allowed = normalizePolicies(role.allowedPolicies, addDefault);
        if (final.length === 0) {
          final = allowed;
        } else if (!final.every((p) => allowed.includes(p))) {
          throw new VaultError(
            400,
            `token policies (${goQuoted(final)}) must be subset of the role's allowed policies (${goQuoted(allowed)})`,
          );
        }
      } else if (final.length === 0) {
        final = normalizePolicies(parent.policies, addDefault);
      }
      for (const p of final) {
        if (role.disallowedPolicies.includes(p)) {
          throw new VaultError(400, `token policy ${JSON.stringify(p)} is disallowed by this role`);
        }
      }
      policies = final;
    } else if (requested.length === 0) {
      policies = normalizePolicies(parent.policies, false);
    } else {
      const mine = normalizePolicies(requested, false);
      if (!isSudo && !mine.every((p) => parent.policies.includes(p))) {
        throw new VaultError(400, 'child policies must be subset of parent');
      }
      policies = normalizePolicies(
        mine,
        !noDefault && (isSudo || parent.policies.includes('default')),
      );
    }
    if (noDefault) policies = policies.filter((p) => p !== 'default');
    if (policies.includes('root') && !parent.policies.includes('root')) {
      throw new VaultError(400, 'root tokens may not be created without parent token being root');
    }

    let explicitMaxTtl = duration(body, 'explicit_max_ttl');
    if (role.explicitMaxTtl > 0) {
      if (explicitMaxTtl === 0) {
        explicitMaxTtl = role.explicitMaxTtl;
      } else {
        explicitMaxTtl = Math.min(explicitMaxTtl, role.explicitMaxTtl);
        warnings.push(
          `Explicit max TTL specified both during creation call and in role; using the lesser value of ${explicitMaxTtl} seconds`,
        );
      }
    }
    let period = duration(body, 'period');
    if (period > 0 && !isSudo) {
      throw new VaultError(400, 'root or sudo privileges required to create periodic token');
    }
    if (role.period > 0) {
      if (period === 0) {
        period = role.period;
      } else {
        period = Math.min(period, role.period);
        warnings.push(
          `Period specified both during creation call and in role; using the lesser value of ${period} seconds`,
        );
      }
    }
    if (has(body, 'id') && !isSudo) {
      throw new VaultError(400, 'root or sudo privileges required to specify token id');
    }
    const displayName = str(body, 'display_name', '').trim();
    const {
      token,
      ttl,
      warnings: ttlWarnings,
    } = deps.tokens.create({
      ...(has(body, 'id') ? { id: str(body, 'id') } : {}),
      policies,
      parent: role.orphan ? undefined : parent.id,
      path: `auth/token/create/${name}${role.pathSuffix === '' ? '' : `/${role.pathSuffix}`}`,
      displayName:
        displayName === '' ? 'token' : `token-${displayName.replace(/[^a-zA-Z0-9-]/g, '-')}`,
      meta: strMap(body, 'meta'),
      ttl: duration(body, 'ttl'),
      explicitMaxTtl,
      period,
      renewable: bool(body, 'renewable', true) && role.renewable,
      numUses: int(body, 'num_uses', role.numUses),
      ...(role.orphan ? {} : { entityId: parent.entityId }),
    });
    warnings.push(...ttlWarnings);
    for (const p of policies) {
      if (p !== 'root' && !deps.policies.get(p)) warnings.push(`Policy "${p}" does not exist`);
    }
    return { status: 200, auth: authBlockOf(token, ttl), warnings };
  };

  return {
    handle(req) {
      const { operation: op, path } = req;
      const write = op === 'create' || op === 'update';
      if (path === 'roles' && op === 'list') {
        return Promise.resolve({ status: 200, data: { keys: [...roles.keys()].sort() } });
      }
      const roleName = ROLE_PATH.exec(path)?.[1];
      if (roleName !== undefined) {
        if (write) return Promise.resolve(writeRole(roleName, req.body));
        if (op === 'read') return Promise.resolve(readRole(roleName));
        if (op === 'delete') {
          roles.delete(roleName);
          return Promise.resolve({ status: 204 });
        }
      }
      const createRole = CREATE_PATH.exec(path)?.[1];
      if (createRole !== undefined && write) return createAgainstRole(createRole, req);
      return undefined;
    },
    exists(path) {
      const name = ROLE_PATH.exec(path)?.[1];
      return name === undefined || roles.has(name);
    },
    snapshot: () => Object.fromEntries(roles),
  };
}
