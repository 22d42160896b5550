import {
  backend,
  type Backend,
  type BackendRequest,
  type BackendResponse,
} from '../core/backend.js';
import { VaultError } from '../core/types.js';
import { bool, duration, has, int, str, strList, strMap } from '../http/body.js';
import type { PolicyStore } from '../policy/policy-store.js';
import { authBlockOf, normalizePolicies } from './auth-block.js';
import type { TokenRoles } from './token-roles.js';
import type { StoredToken, TokenStore } from './token-store.js';

export interface TokenRouteDeps {
  tokens: TokenStore;
  policies: PolicyStore;
  /** Whether the token holds `sudo` on the path (root always does). */
  hasSudo(token: StoredToken, path: string): Promise<boolean>;
  /** `roles/*` and `create/:role`. */
  roles: TokenRoles;
}

/** The token auth method mounted at auth/token/. */
export function createTokenBackend(deps: TokenRouteDeps): Backend {
  const { tokens } = deps;

  const requireToken = (req: BackendRequest): StoredToken => {
    if (!req.token) throw new VaultError(403, 'permission denied');
    return req.token;
  };

  const target = (req: BackendRequest, field = 'token'): StoredToken => {
    const id = str(req.body, field);
    // token_store.go names a missing token "token ID" (handleRenew, handleRevokeTree...).
    if (id === '') {
      throw new VaultError(400, field === 'token' ? 'missing token ID' : `missing ${field}`);
    }
    const found = field === 'accessor' ? tokens.lookupByAccessor(id) : tokens.lookup(id);
    if (!found) {
      throw new VaultError(
        field === 'accessor' ? 400 : 403,
        field === 'accessor' ? 'invalid accessor' : 'bad token',
      );
    }
    return found;
  };

  const create = async (req: BackendRequest, orphanPath: boolean): Promise<BackendResponse> => {
    const caller = requireToken(req);
    const body = req.body;
    const callerIsRoot = caller.policies.includes('root');
    const privileged = callerIsRoot || (await deps.hasSudo(caller, req.fullPath));
    const requested = has(body, 'policies')
      ? strList(body, 'policies')
      : caller.policies.filter((p) => p !== 'default');
    const noDefault = bool(body, 'no_default_policy', false);
    const policies = normalizePolicies(requested, !noDefault);
    if (!callerIsRoot) {
      const allowed = new Set(caller.policies);
      const extra = policies.filter((p) => !allowed.has(p) && !(p === 'default' && !noDefault));
      if (extra.length > 0) throw new VaultError(400, 'child policies must be subset of parent');
    }
    const period = duration(body, 'period');
    if (period > 0 && !privileged) {
      throw new VaultError(400, 'root or sudo privileges required to create periodic token');
    }
    if (has(body, 'id') && !callerIsRoot) {
      throw new VaultError(400, 'root or sudo privileges required to specify token id');
    }
    const id = str(body, 'id');
    if (id.includes('.')) throw new VaultError(400, 'token IDs can not contain a period');
    const noParent = orphanPath || (bool(body, 'no_parent', false) && privileged);
    const displayName = str(body, 'display_name', '').trim();
    const { token, ttl, warnings } = tokens.create({
      ...(id !== '' ? { id } : {}),
      policies,
      parent: noParent ? undefined : caller.id,
      path: req.fullPath,
      displayName: displayName === '' ? 'token' : `token-${displayName}`,
      meta: strMap(body, 'meta'),
      ttl: duration(body, 'ttl'),
      explicitMaxTtl: duration(body, 'explicit_max_ttl'),
      period,
      renewable: bool(body, 'renewable', true),
      numUses: int(body, 'num_uses', 0),
      noExpiry: policies.includes('root') && !has(body, 'ttl') && period === 0,
    });
    for (const name of policies) {
      if (name !== 'root' && !deps.policies.get(name)) {
        warnings.push(`Policy "${name}" does not exist`);
      }
    }
    return { status: 200, auth: authBlockOf(token, ttl), warnings };
  };

  const lookupData = (token: StoredToken, showId: boolean): Record<string, unknown> => ({
    accessor: token.accessor,
    creation_time: token.creationTime,
    creation_ttl: token.creationTtl,
    display_name: token.displayName,
    entity_id: token.entityId,
    expire_time: token.expiresAt === undefined ? null : new Date(token.expiresAt).toISOString(),
    explicit_max_ttl: token.explicitMaxTtl,
    id: showId ? token.id : '',
    issue_time: new Date(token.creationTime * 1000).toISOString(),
    meta: Object.keys(token.meta).length > 0 ? token.meta : null,
    num_uses: token.numUses,
    orphan: token.parent === undefined,
    path: token.path,
    policies: token.policies,
    renewable: token.renewable,
    ttl: tokens.remainingTtl(token),
    type: 'service',
    ...(token.period > 0 ? { period: token.period } : {}),
  });

  const renew = (token: StoredToken, req: BackendRequest): BackendResponse => {
    const { ttl, warnings } = tokens.renew(token, duration(req.body, 'increment'));
    return { status: 200, auth: authBlockOf(token, ttl), warnings };
  };

  const handle = (req: BackendRequest): Promise<BackendResponse> => {
    const op = req.operation;
    const write = op === 'create' || op === 'update';
    const path = req.path;
    if (path === 'create' && write) return create(req, false);
    if (path === 'create-orphan' && write) return create(req, true);
    const roleResponse = deps.roles.handle(req);
    if (roleResponse) return roleResponse;
    const result = ((): BackendResponse => {
      if (path === 'lookup-self' && (op === 'read' || write)) {
        return { status: 200, data: lookupData(requireToken(req), true) };
      }
      if (path === 'lookup' && write) return { status: 200, data: lookupData(target(req), true) };
      if (path === 'lookup' && op === 'read') {
        const id = req.query.get('token') ?? '';
        const token = tokens.lookup(id);
        if (!token) throw new VaultError(403, 'bad token');
        return { status: 200, data: lookupData(token, true) };
      }
      if (path === 'lookup-accessor' && write) {
        return { status: 200, data: lookupData(target(req, 'accessor'), false) };
      }
      if (path === 'renew-self' && write) return renew(requireToken(req), req);
      if (path === 'renew' && write) return renew(target(req), req);
      if (path === 'renew-accessor' && write) {
        const token = target(req, 'accessor');
        const { ttl, warnings } = tokens.renew(token, duration(req.body, 'increment'));
        return { status: 200, auth: { ...authBlockOf(token, ttl), client_token: '' }, warnings };
      }
      if (path === 'revoke-self' && write) {
        tokens.revoke(requireToken(req));
        return { status: 204 };
      }
      if (path === 'revoke' && write) {
        const id = str(req.body, 'token');
        if (id === '') throw new VaultError(400, 'missing token ID');
        const token = tokens.lookup(id);
        if (token) tokens.revoke(token);
        return { status: 204 };
      }
      if (path === 'revoke-orphan' && write) {
        const id = str(req.body, 'token');
        if (id === '') throw new VaultError(400, 'missing token ID');
        const token = tokens.lookup(id);
        if (token) tokens.revoke(token, true);
        return { status: 204 };
      }
      if (path === 'revoke-accessor' && write) {
        tokens.revoke(target(req, 'accessor'));
        return { status: 204 };
      }
      if (path === 'accessors' && op === 'list') {
        return { status: 200, data: { keys: tokens.snapshot().map((t) => t.accessor) } };
      }
      throw new VaultError(405, 'unsupported operation');
    })();
    return Promise.resolve(result);
  };

  return backend(handle, {
    exists: (path) => Promise.resolve(deps.roles.exists(path)),
    needsSudo: (path) => path === 'accessors' || path === 'revoke-orphan',
  });
}
