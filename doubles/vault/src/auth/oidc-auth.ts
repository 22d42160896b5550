import { randomBytes } from 'node:crypto';
import type { createRemoteJWKSet } from 'jose';
import { backend, type BackendRequest, type BackendResponse } from '../core/backend.js';
import {
  configOrRoleExists,
  routeConfigAndRoles,
  type ConfigRoleRoutes,
} from './config-role-routes.js';
import { VaultError } from '../core/types.js';
import { duration, has, obj, str, strList, strMap, type Body } from '../http/body.js';
import type { AuthMethod, AuthMethodContext } from './auth-method.js';
import { checkBoundClaims, claimAt, mapClaims, type Claims } from './jwt-claims.js';
import { issueLoginToken } from './login-tokens.js';
import { parseTokenParams, tokenParamsData, type TokenParams } from './token-params.js';

/**
 * Vault's OIDC auth method (a mount of type `oidc`, the JWT plugin's OIDC flow), following
 * hashicorp/vault-plugin-auth-jwt: path_config.go (`oidc_discovery_url`, client id and
 * secret, the discovery document checked on write), path_role.go (`allowed_redirect_uris`,
 * `bound_audiences`, `user_claim`, `groups_claim`, `oidc_scopes`), path_oidc.go (`authURL`:
 * state and nonce, port-agnostic loopback redirect matching; `pathCallback`: one-shot state,
 * code exchange at the token endpoint with client_secret_basic, ID token signature, issuer and
 * audience checked against the provider's JWKS, nonce checked, userinfo merged) and
 * path_login.go (`createIdentity`: the groups claim becomes group aliases). Group aliases map
 * to external identity groups, whose policies the token gets as identity_policies.
 */

const ERR_LOGIN_FAILED = 'Vault login failed.';
const ERR_TOKEN_VERIFICATION = 'Error validating token.';
/** go-cache's expiry of pending OIDC states in the plugin (oidcStateTimeout). */
const STATE_TTL_MS = 10 * 60 * 1000;

interface OidcConfig {
  discoveryUrl: string;
  clientId: string;
  clientSecret: string;
  defaultRole: string;
  boundIssuer: string;
}

interface OidcRole {
  roleType: 'oidc';
  allowedRedirectUris: string[];
  boundAudiences: string[];
  boundSubject: string;
  boundClaims: Record<string, string[]>;
  boundClaimsType: 'string' | 'glob';
  userClaim: string;
  groupsClaim: string;
  claimMappings: Record<string, string>;
  oidcScopes: string[];
  token: TokenParams;
}

interface OidcMountState {
  config: OidcConfig | undefined;
  roles: Record<string, OidcRole>;
}

interface PendingState {
  role: string;
  nonce: string;
  redirectUri: string;
  clientNonce: string;
  expiresAt: number;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** validRedirect: exact match, except that loopback URIs match on any port (RFC 8252 7.3). */
function validRedirect(uri: string, allowed: readonly string[]): boolean {
  let input: URL;
  try {
    input = new URL(uri);
  } catch {
    return false;
  }
  if (!LOOPBACK.has(input.hostname)) return allowed.includes(uri);
  const portless = (u: URL) => `${u.protocol}//${u.hostname}${u.pathname}${u.search}`;
  return allowed.some((a) => {
    try {
      return portless(new URL(a)) === portless(input);
    } catch {
      return false;
    }
  });
}

async function fetchJson(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${res.status} ${res.statusText}: ${text.slice(0, 200)}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error(`${res.status}: response is not a JSON object`);
  }
  if (!res.ok) {
    const b = body as Record<string, unknown>;
    throw new Error(
      `oauth2: ${JSON.stringify(b['error'] ?? res.status)} ${JSON.stringify(b['error_description'] ?? '')}`,
    );
  }
  return body as Record<string, unknown>;
}

async function discover(discoveryUrl: string): Promise<Discovery> {
  const base = discoveryUrl.replace(/\/+$/, '');
  const doc = await fetchJson(`${base}/.well-known/openid-configuration`);
  // go-oidc NewProvider: the document must name the URL it was fetched from as its issuer.
  if (doc['issuer'] !== base && doc['issuer'] !== discoveryUrl) {
    throw new Error(
      `oidc: issuer did not match the issuer returned by provider, expected ${JSON.stringify(discoveryUrl)} got ${JSON.stringify(doc['issuer'])}`,
    );
  }
  for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) {
    if (typeof doc[key] !== 'string') throw new Error(`oidc: discovery document has no ${key}`);
  }
  return doc as unknown as Discovery;
}

export function createOidcAuth(ctx: AuthMethodContext): AuthMethod {
  const state: OidcMountState = (ctx.saved as OidcMountState | undefined) ?? {
    config: undefined,
    roles: {},
  };
  const pending = new Map<string, PendingState>();
  let provider: { discovery: Discovery; jwks: ReturnType<typeof createRemoteJWKSet> } | undefined;

  const getProvider = async (config: OidcConfig) => {
    if (!provider) {
      const discovery = await discover(config.discoveryUrl);
      const { createRemoteJWKSet } = await import('jose');
      provider = { discovery, jwks: createRemoteJWKSet(new URL(discovery.jwks_uri)) };
    }
    return provider;
  };

  const writeConfig = async (body: Body): Promise<BackendResponse> => {
    for (const unsupported of ['jwks_url', 'jwt_validation_pubkeys', 'oidc_discovery_ca_pem']) {
      if (strList(body, unsupported).length > 0) {
        throw new VaultError(
          400,
          `${unsupported} is not supported by this double's oidc mounts (use type jwt)`,
        );
      }
    }
    const mode = str(body, 'oidc_response_mode', 'query');
    if (mode !== 'query' && mode !== '') {
      throw new VaultError(400, `oidc_response_mode "${mode}" is not supported by this double`);
    }
    const discoveryUrl = str(body, 'oidc_discovery_url');
    if (discoveryUrl === '') {
      throw new VaultError(
        400,
        "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set",
      );
    }
    const clientId = str(body, 'oidc_client_id');
    const clientSecret = str(body, 'oidc_client_secret');
    if ((clientId === '') !== (clientSecret === '')) {
      throw new VaultError(
        400,
        "both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC",
      );
    }
    try {
      await discover(discoveryUrl);
    } catch (error) {
      throw new VaultError(
        400,
        `error checking oidc discovery URL: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    state.config = {
      discoveryUrl,
      clientId,
      clientSecret,
      defaultRole: str(body, 'default_role'),
      boundIssuer: str(body, 'bound_issuer'),
    };
    provider = undefined;
    return { status: 204 };
  };

  const readConfig = (): BackendResponse => {
    const c = state.config;
    if (!c) return { status: 200, data: null };
    return {
      status: 200,
      data: {
        oidc_discovery_url: c.discoveryUrl,
        oidc_client_id: c.clientId,
        default_role: c.defaultRole,
        bound_issuer: c.boundIssuer,
        oidc_response_mode: '',
        oidc_response_types: [],
        oidc_discovery_ca_pem: '',
        jwks_url: '',
        jwt_validation_pubkeys: [],
        jwt_supported_algs: [],
        namespace_in_state: true,
        provider_config: {},
      },
    };
  };

  const writeRole = (name: string, body: Body): BackendResponse => {
    const current = state.roles[name];
    const roleType = str(body, 'role_type', 'oidc');
    if (roleType !== 'oidc') {
      throw new VaultError(
        400,
        `role_type "${roleType}" is not supported on this double's oidc mounts (use a jwt mount)`,
      );
    }
    const allowedRedirectUris = strList(
      body,
      'allowed_redirect_uris',
      current?.allowedRedirectUris ?? [],
    );
    if (allowedRedirectUris.length === 0) {
      throw new VaultError(
        400,
        "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.",
      );
    }
    const userClaim = str(body, 'user_claim', current?.userClaim ?? '');
    if (userClaim === '') throw new VaultError(400, 'a user claim must be defined on the role');
    const boundClaims: Record<string, string[]> = { ...(current?.boundClaims ?? {}) };
    if (has(body, 'bound_claims')) {
      for (const key of Object.keys(boundClaims)) delete boundClaims[key];
      for (const [k, v] of Object.entries(obj(body, 'bound_claims'))) {
        boundClaims[k] = Array.isArray(v) ? v.map(String) : [String(v)];
      }
    }
    state.roles[name] = {
      roleType: 'oidc',
      allowedRedirectUris,
      boundAudiences: strList(body, 'bound_audiences', current?.boundAudiences ?? []),
      boundSubject: str(body, 'bound_subject', current?.boundSubject ?? ''),
      boundClaims,
      boundClaimsType:
        str(body, 'bound_claims_type', current?.boundClaimsType ?? 'string') === 'glob'
          ? 'glob'
          : 'string',
      userClaim,
      groupsClaim: str(body, 'groups_claim', current?.groupsClaim ?? ''),
      claimMappings: has(body, 'claim_mappings')
        ? strMap(body, 'claim_mappings')
        : (current?.claimMappings ?? {}),
      oidcScopes: strList(body, 'oidc_scopes', current?.oidcScopes ?? []),
      token: parseTokenParams(body, current?.token),
    };
    // Durations in other fields are checked for form only, as the plugin does.
    duration(body, 'expiration_leeway');
    return { status: 204 };
  };

  const readRole = (name: string): BackendResponse => {
    const r = state.roles[name];
    if (!r) throw new VaultError(404, '');
    return {
      status: 200,
      data: {
        role_type: r.roleType,
        allowed_redirect_uris: r.allowedRedirectUris,
        bound_audiences: r.boundAudiences,
        bound_subject: r.boundSubject,
        bound_claims: Object.keys(r.boundClaims).length > 0 ? r.boundClaims : null,
        bound_claims_type: r.boundClaimsType,
        user_claim: r.userClaim,
        groups_claim: r.groupsClaim,
        claim_mappings: Object.keys(r.claimMappings).length > 0 ? r.claimMappings : null,
        oidc_scopes: r.oidcScopes,
        verbose_oidc_logging: false,
        ...tokenParamsData(r.token),
      },
    };
  };

  /** path_oidc.go authURL: unauthenticated, so an invalid redirect gets an empty URL, not a reason. */
  const authUrl = async (body: Body): Promise<BackendResponse> => {
    const empty: BackendResponse = { status: 200, data: { auth_url: '' } };
    const config = state.config;
    if (!config) throw new VaultError(400, 'could not load configuration');
    if (config.clientId === '') {
      throw new VaultError(400, 'OIDC login is not configured for this mount');
    }
    const roleName = str(body, 'role') || config.defaultRole;
    if (roleName === '') throw new VaultError(400, 'missing role');
    const redirectUri = str(body, 'redirect_uri');
    if (redirectUri === '') throw new VaultError(400, 'missing redirect_uri');
    const role = state.roles[roleName];
    if (!role) throw new VaultError(400, `role ${JSON.stringify(roleName)} could not be found`);
    if (!validRedirect(redirectUri, role.allowedRedirectUris)) return empty;
    let discovery: Discovery;
    try {
      ({ discovery } = await getProvider(config));
    } catch {
      return empty;
    }
    const bytes = randomBytes(40);
    const stateId = bytes.subarray(0, 20).toString('hex');
    const nonce = bytes.subarray(20).toString('hex');
    const now = ctx.clock.now();
    for (const [id, p] of pending) if (p.expiresAt <= now) pending.delete(id);
    pending.set(stateId, {
      role: roleName,
      nonce,
      redirectUri,
      clientNonce: str(body, 'client_nonce'),
      expiresAt: now + STATE_TTL_MS,
    });
    const url = new URL(discovery.authorization_endpoint);
    const params = new URLSearchParams({
      client_id: config.clientId,
      nonce,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: ['openid', ...role.oidcScopes].join(' '),
      state: stateId,
    });
    for (const [k, v] of params) url.searchParams.set(k, v);
    return { status: 200, data: { auth_url: url.toString() } };
  };

  const callback = async (query: URLSearchParams): Promise<BackendResponse> => {
    const config = state.config;
    if (!config) throw new VaultError(400, `${ERR_LOGIN_FAILED} Could not load configuration`);
    const stateId = query.get('state') ?? '';
    const saved = pending.get(stateId);
    // verifyState: a state is good for one callback only, whatever the outcome.
    pending.delete(stateId);
    if (!saved || saved.expiresAt <= ctx.clock.now()) {
      throw new VaultError(400, `${ERR_LOGIN_FAILED} Expired or missing OAuth state.`);
    }
    if (saved.clientNonce !== '' && query.get('client_nonce') !== saved.clientNonce) {
      throw new VaultError(400, 'invalid client_nonce');
    }
    const role = state.roles[saved.role];
    if (!role) throw new VaultError(400, `${ERR_LOGIN_FAILED} Role could not be found`);
    const code = query.get('code') ?? '';
    if (code === '') throw new VaultError(400, `${ERR_LOGIN_FAILED} No code or id_token received.`);
    const { discovery, jwks } = await getProvider(config);

    let tokens: Record<string, unknown>;
    try {
      const basic = Buffer.from(
        `${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`,
      ).toString('base64');
      tokens = await fetchJson(discovery.token_endpoint, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${basic}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: saved.redirectUri,
        }),
      });
    } catch (error) {
      throw new VaultError(
        400,
        `${ERR_LOGIN_FAILED} Error exchanging oidc code: ${JSON.stringify(error instanceof Error ? error.message : String(error))}.`,
      );
    }
    const idToken = tokens['id_token'];
    if (typeof idToken !== 'string') {
      throw new VaultError(400, `${ERR_TOKEN_VERIFICATION} No id_token found in response.`);
    }

    let claims: Claims;
    try {
      const { jwtVerify } = await import('jose');
      ({ payload: claims } = await jwtVerify(idToken, jwks, {
        issuer: discovery.issuer,
        audience: config.clientId,
        clockTolerance: 60,
        currentDate: new Date(ctx.clock.now()),
      }));
    } catch (error) {
      throw new VaultError(
        400,
        `${ERR_TOKEN_VERIFICATION} error validating signature: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (role.boundSubject !== '' && claims['sub'] !== role.boundSubject) {
      throw new VaultError(400, `${ERR_TOKEN_VERIFICATION} sub claim does not match bound subject`);
    }
    if (role.boundAudiences.length > 0) {
      const aud = claims['aud'];
      const audiences = Array.isArray(aud) ? aud : [aud];
      if (!audiences.some((a) => typeof a === 'string' && role.boundAudiences.includes(a))) {
        throw new VaultError(
          400,
          `${ERR_TOKEN_VERIFICATION} error validating claims: aud claim does not match any bound audience`,
        );
      }
    }
    if (claims['nonce'] !== saved.nonce) {
      throw new VaultError(400, `${ERR_TOKEN_VERIFICATION} Invalid ID token nonce.`);
    }
    delete claims['nonce'];

    // A failed userinfo fetch does not fail the login (path_oidc.go).
    const accessToken = tokens['access_token'];
    if (typeof accessToken === 'string' && discovery.userinfo_endpoint) {
      const info = await fetchJson(discovery.userinfo_endpoint, {
        headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
      }).catch(() => undefined);
      if (info) Object.assign(claims, info);
    }

    checkBoundClaims(claims, role.boundClaims, role.boundClaimsType === 'glob');
    const user = claimAt(claims, role.userClaim);
    if (typeof user !== 'string' && typeof user !== 'number') {
      throw new VaultError(400, `claim ${JSON.stringify(role.userClaim)} not found in token`);
    }
    let groups: string[] = [];
    if (role.groupsClaim !== '') {
      const raw = claimAt(claims, role.groupsClaim);
      if (raw === undefined) {
        throw new VaultError(400, `${JSON.stringify(role.groupsClaim)} claim not found in token`);
      }
      const list = Array.isArray(raw) ? raw : [raw];
      if (!list.every((g) => typeof g === 'string')) {
        throw new VaultError(
          400,
          `${JSON.stringify(role.groupsClaim)} claim is not a string or list: ${JSON.stringify(raw)}`,
        );
      }
      groups = list.filter((g) => g !== '');
    }
    const aliasMetadata = mapClaims(claims, role.claimMappings);
    const response = issueLoginToken(ctx.tokens, ctx.identity, {
      mountPath: ctx.mountPath,
      mountAccessor: ctx.accessor,
      loginPath: `${ctx.mountPath}oidc/callback`,
      params: role.token,
      aliasName: String(user),
      aliasMetadata,
      tokenMetadata: { role: saved.role, ...aliasMetadata },
    });
    const auth = response.auth;
    if (!auth) return response;
    const identityPolicies = ctx.groups.refreshExternalMemberships(
      auth.entity_id,
      ctx.accessor,
      groups,
    );
    return {
      ...response,
      auth: {
        ...auth,
        identity_policies: identityPolicies.length > 0 ? identityPolicies : null,
        policies: [...new Set([...auth.token_policies, ...identityPolicies])].sort(),
      },
    };
  };

  const routes: ConfigRoleRoutes = {
    config: { write: writeConfig, read: readConfig, isSet: () => state.config !== undefined },
    roles: () => state.roles,
    writeRole,
    readRole,
  };

  const handle = async (req: BackendRequest): Promise<BackendResponse> => {
    const { operation: op, path } = req;
    const write = op === 'create' || op === 'update';
    if (path === 'oidc/auth_url' && write) return authUrl(req.body);
    if (path === 'oidc/callback' && op === 'read') return callback(req.query);
    if (path === 'oidc/callback' && write) throw new VaultError(405, '');
    if (path === 'login' && write) {
      throw new VaultError(400, 'jwt login on an oidc mount is not implemented by this double');
    }
    const routed = routeConfigAndRoles(req, routes);
    if (routed !== undefined) return routed;
    throw new VaultError(405, 'unsupported operation');
  };

  return {
    ...backend(handle, {
      exists: (path) => configOrRoleExists(path, routes),
      isUnauthenticated: (path) =>
        path === 'oidc/auth_url' || path === 'oidc/callback' || path === 'login',
    }),
    snapshot: () => state,
  };
}
