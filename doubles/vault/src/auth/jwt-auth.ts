import { createPublicKey, type KeyObject } from 'node:crypto';
import type * as Jose from 'jose';
import type { createRemoteJWKSet } from 'jose';
import { backend, type BackendRequest, type BackendResponse } from '../core/backend.js';
import {
  configOrRoleExists,
  routeConfigAndRoles,
  type ConfigRoleRoutes,
} from './config-role-routes.js';
import { VaultError } from '../core/types.js';
import { duration, has, obj, str, strList, strMap } from '../http/body.js';
import type { AuthMethod, AuthMethodContext } from './auth-method.js';
import { checkBoundClaims, claimAt, mapClaims, type Claims } from './jwt-claims.js';
import { issueLoginToken } from './login-tokens.js';
import { fetchTrusting, parseCaPem } from './jwks-fetch.js';
import { parseTokenParams, tokenParamsData, type TokenParams } from './token-params.js';
import { nameRecord } from '../core/own.js';

interface JwtConfig {
  jwksUrl: string;
  jwksCaPem?: string;
  jwtSupportedAlgs?: string[];
  pubkeys: string[];
  boundIssuer: string;
  defaultRole: string;
}

interface JwtRole {
  roleType: 'jwt' | 'oidc';
  boundAudiences: string[];
  boundSubject: string;
  boundClaims: Record<string, string[]>;
  boundClaimsType: 'string' | 'glob';
  userClaim: string;
  claimMappings: Record<string, string>;
  expirationLeeway: number;
  notBeforeLeeway: number;
  clockSkewLeeway: number;
  token: TokenParams;
}

interface JwtState {
  config: JwtConfig | undefined;
  roles: Record<string, JwtRole>;
}

type VerifyKey = KeyObject | ReturnType<typeof createRemoteJWKSet>;

/** The JWT auth method (role_type "jwt" logins; OIDC flows are not implemented). */
export function createJwtAuth(ctx: AuthMethodContext): AuthMethod {
  const saved = ctx.saved as JwtState | undefined;
  // Role names come from requests: a record without a prototype (see nameRecord).
  const state: JwtState = { config: saved?.config, roles: nameRecord(saved?.roles) };
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  const writeConfig = (body: Record<string, unknown>): BackendResponse => {
    if (has(body, 'oidc_discovery_url')) {
      throw new VaultError(
        400,
        'oidc_discovery_url is not supported by this double; use jwks_url or jwt_validation_pubkeys',
      );
    }
    const jwksUrl = str(body, 'jwks_url');
    const pubkeys = strList(body, 'jwt_validation_pubkeys');
    if ((jwksUrl === '') === (pubkeys.length === 0)) {
      throw new VaultError(
        400,
        "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set",
      );
    }
    for (const pem of pubkeys) {
      try {
        createPublicKey(pem);
      } catch {
        throw new VaultError(400, 'error parsing public key');
      }
    }
    if (jwksUrl !== '') {
      try {
        new URL(jwksUrl);
      } catch {
        throw new VaultError(400, 'error checking jwks URL: invalid URL');
      }
    }
    const jwksCaPem = str(body, 'jwks_ca_pem');
    if (jwksCaPem !== '' && parseCaPem(jwksCaPem) === undefined) {
      throw new VaultError(
        400,
        'error checking jwks_ca_pem: could not parse CA PEM value successfully',
      );
    }
    state.config = {
      jwksUrl,
      jwksCaPem,
      jwtSupportedAlgs: strList(body, 'jwt_supported_algs'),
      pubkeys,
      boundIssuer: str(body, 'bound_issuer'),
      defaultRole: str(body, 'default_role'),
    };
    jwks = undefined;
    return { status: 204 };
  };

  const readConfig = (): BackendResponse => {
    const c = state.config;
    if (!c) return { status: 200, data: null };
    return {
      status: 200,
      data: {
        jwks_url: c.jwksUrl,
        jwt_validation_pubkeys: c.pubkeys,
        bound_issuer: c.boundIssuer,
        default_role: c.defaultRole,
        oidc_discovery_url: '',
        jwks_ca_pem: c.jwksCaPem ?? '',
        jwt_supported_algs: c.jwtSupportedAlgs ?? [],
      },
    };
  };

  const writeRole = (name: string, body: Record<string, unknown>): BackendResponse => {
    const current = state.roles[name];
    const roleType = str(body, 'role_type', current?.roleType ?? 'oidc');
    if (roleType !== 'jwt' && roleType !== 'oidc') {
      throw new VaultError(400, `invalid 'role_type': ${roleType}`);
    }
    const userClaim = str(body, 'user_claim', current?.userClaim ?? '');
    if (userClaim === '') throw new VaultError(400, 'a user claim must be defined on the role');
    const boundClaims: Record<string, string[]> = current?.boundClaims ?? {};
    if (has(body, 'bound_claims')) {
      for (const key of Object.keys(boundClaims)) delete boundClaims[key];
      for (const [k, v] of Object.entries(obj(body, 'bound_claims'))) {
        boundClaims[k] = Array.isArray(v) ? v.map(String) : [String(v)];
      }
    }
    const boundAudiences = strList(body, 'bound_audiences', current?.boundAudiences ?? []);
    const boundSubject = str(body, 'bound_subject', current?.boundSubject ?? '');
    if (
      roleType === 'jwt' &&
      boundAudiences.length === 0 &&
      boundSubject === '' &&
      Object.keys(boundClaims).length === 0
    ) {
      throw new VaultError(
        400,
        'must have at least one bound constraint when creating/updating a role',
      );
    }
    state.roles[name] = {
      roleType,
      boundAudiences,
      boundSubject,
      boundClaims,
      boundClaimsType:
        str(body, 'bound_claims_type', current?.boundClaimsType ?? 'string') === 'glob'
          ? 'glob'
          : 'string',
      userClaim,
      claimMappings: has(body, 'claim_mappings')
        ? strMap(body, 'claim_mappings')
        : (current?.claimMappings ?? {}),
      expirationLeeway: duration(body, 'expiration_leeway', current?.expirationLeeway ?? 150),
      notBeforeLeeway: duration(body, 'not_before_leeway', current?.notBeforeLeeway ?? 150),
      clockSkewLeeway: duration(body, 'clock_skew_leeway', current?.clockSkewLeeway ?? 60),
      token: parseTokenParams(body, current?.token),
    };
    return { status: 204 };
  };

  const readRole = (name: string): BackendResponse => {
    const r = state.roles[name];
    if (!r) throw new VaultError(404, '');
    return {
      status: 200,
      data: {
        role_type: r.roleType,
        bound_audiences: r.boundAudiences,
        bound_subject: r.boundSubject,
        bound_claims: Object.keys(r.boundClaims).length > 0 ? r.boundClaims : null,
        bound_claims_type: r.boundClaimsType,
        user_claim: r.userClaim,
        claim_mappings: Object.keys(r.claimMappings).length > 0 ? r.claimMappings : null,
        expiration_leeway: r.expirationLeeway,
        not_before_leeway: r.notBeforeLeeway,
        clock_skew_leeway: r.clockSkewLeeway,
        ...tokenParamsData(r.token),
      },
    };
  };

  const keyFor = (config: JwtConfig, jose: typeof Jose): VerifyKey[] => {
    if (config.jwksUrl !== '') {
      const ca = config.jwksCaPem ? parseCaPem(config.jwksCaPem) : undefined;
      jwks ??= jose.createRemoteJWKSet(new URL(config.jwksUrl), {
        cooldownDuration: 0,
        [jose.customFetch]: fetchTrusting(ca),
      });
      return [jwks];
    }
    return config.pubkeys.map((pem) => createPublicKey(pem));
  };

  const verifySignature = async (jwt: string, config: JwtConfig): Promise<Claims> => {
    // Loaded on first login, to keep startup short.
    const jose = await import('jose');
    const joseErrors = jose.errors;
    let lastError: unknown;
    for (const key of keyFor(config, jose)) {
      try {
        const { payload } = await jose.compactVerify(jwt, key);
        const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
        if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
          throw new VaultError(400, 'error validating token: payload is not a JSON object');
        }
        return claims as Claims;
      } catch (error) {
        if (error instanceof VaultError) throw error;
        lastError = error;
      }
    }
    if (
      lastError instanceof joseErrors.JWKSNoMatchingKey ||
      lastError instanceof joseErrors.JWSSignatureVerificationFailed
    ) {
      throw new VaultError(400, 'error validating token: failed to verify id token signature');
    }
    if (lastError instanceof joseErrors.JOSEError && lastError.code === 'ERR_JWKS_TIMEOUT') {
      throw new VaultError(400, 'error validating token: error fetching keys: timeout');
    }
    const detail = lastError instanceof Error ? lastError.message : 'unknown error';
    throw new VaultError(400, `error validating token: ${detail}`);
  };

  const validateClaims = (claims: Claims, role: JwtRole, config: JwtConfig): void => {
    const now = Math.floor(ctx.clock.now() / 1000);
    const exp = claims['exp'];
    if (typeof exp === 'number' && now > exp + role.expirationLeeway + role.clockSkewLeeway) {
      throw new VaultError(
        400,
        'error validating token: invalid expiration time (exp) claim: token is expired',
      );
    }
    const nbf = claims['nbf'] ?? claims['iat'];
    if (typeof nbf === 'number' && now < nbf - role.notBeforeLeeway - role.clockSkewLeeway) {
      throw new VaultError(
        400,
        'error validating token: invalid not before (nbf) claim: token not yet valid',
      );
    }
    if (config.boundIssuer !== '' && claims['iss'] !== config.boundIssuer) {
      throw new VaultError(400, 'error validating token: invalid issuer (iss) claim');
    }
    const aud = claims['aud'];
    const audiences = (Array.isArray(aud) ? aud : [aud]).filter(
      (a): a is string => typeof a === 'string',
    );
    if (role.boundAudiences.length > 0) {
      if (!audiences.some((a) => role.boundAudiences.includes(a))) {
        throw new VaultError(
          400,
          'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience',
        );
      }
    } else if (audiences.length > 0) {
      throw new VaultError(400, 'audience claim found in JWT but no audiences bound to the role');
    }
    if (role.boundSubject !== '' && claims['sub'] !== role.boundSubject) {
      throw new VaultError(400, 'sub claim does not match bound subject');
    }
    checkBoundClaims(claims, role.boundClaims, role.boundClaimsType === 'glob');
  };

  const login = async (req: BackendRequest): Promise<BackendResponse> => {
    const config = state.config;
    if (!config) throw new VaultError(400, 'could not load configuration');
    const roleName = str(req.body, 'role', config.defaultRole);
    if (roleName === '') throw new VaultError(400, 'missing role');
    const role = state.roles[roleName];
    if (!role) throw new VaultError(400, `role "${roleName}" could not be found`);
    if (role.roleType === 'oidc') {
      throw new VaultError(400, 'role with oidc role_type is not allowed');
    }
    const jwt = str(req.body, 'jwt');
    if (jwt === '') throw new VaultError(400, 'missing token');
    const claims = await verifySignature(jwt, config);
    validateClaims(claims, role, config);
    const user = claimAt(claims, role.userClaim);
    if (typeof user !== 'string' && typeof user !== 'number') {
      throw new VaultError(400, `claim "${role.userClaim}" not found in token`);
    }
    const aliasMetadata = mapClaims(claims, role.claimMappings);
    return issueLoginToken(ctx.tokens, ctx.identity, {
      mountPath: ctx.mountPath,
      mountAccessor: ctx.accessor,
      loginPath: `${ctx.mountPath}login`,
      params: role.token,
      aliasName: String(user),
      aliasMetadata,
      tokenMetadata: { ...aliasMetadata, role: roleName },
    });
  };

  const routes: ConfigRoleRoutes = {
    config: { write: writeConfig, read: readConfig, isSet: () => state.config !== undefined },
    roles: () => state.roles,
    writeRole,
    readRole,
  };

  const handle = async (req: BackendRequest): Promise<BackendResponse> => {
    if (req.path === 'login' && (req.operation === 'create' || req.operation === 'update')) {
      return login(req);
    }
    const routed = routeConfigAndRoles(req, routes);
    if (routed !== undefined) return routed;
    throw new VaultError(405, 'unsupported operation');
  };

  return {
    ...backend(handle, {
      exists: (path) => configOrRoleExists(path, routes),
      isUnauthenticated: (path) => path === 'login',
    }),
    snapshot: () => state,
  };
}
