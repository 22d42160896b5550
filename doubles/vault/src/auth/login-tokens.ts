import type { BackendResponse } from '../core/backend.js';
import { authBlockOf, normalizePolicies } from './auth-block.js';
import type { IdentityStore } from './identity-store.js';
import type { TokenParams } from './token-params.js';
import type { TokenStore } from './token-store.js';

export interface LoginResult {
  mountPath: string;
  mountAccessor: string;
  loginPath: string;
  params: TokenParams;
  aliasName: string;
  aliasMetadata: Record<string, string>;
  tokenMetadata: Record<string, string>;
}

/** Creates the orphan service token an auth method login returns and its `auth` block. */
export function issueLoginToken(
  tokens: TokenStore,
  identity: IdentityStore,
  login: LoginResult,
): BackendResponse {
  const entityId = identity.entityFor(login.mountAccessor, login.aliasName);
  const mountName = login.mountPath
    .replace(/^auth\//, '')
    .replace(/\/$/, '')
    .replaceAll('/', '-');
  const { token, ttl, warnings } = tokens.create({
    policies: normalizePolicies(login.params.policies, !login.params.noDefaultPolicy),
    parent: undefined,
    path: login.loginPath,
    displayName: `${mountName}-${login.aliasName}`,
    meta: login.tokenMetadata,
    ttl: login.params.ttl,
    maxTtl: login.params.maxTtl,
    explicitMaxTtl: login.params.explicitMaxTtl,
    period: login.params.period,
    renewable: true,
    numUses: login.params.numUses,
    entityId,
    authMountAccessor: login.mountAccessor,
    aliasName: login.aliasName,
    entityAliasMetadata: login.aliasMetadata,
  });
  return { status: 200, auth: authBlockOf(token, ttl), warnings };
}
