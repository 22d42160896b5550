import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import https from 'node:https';
import { ConsulDoubleError } from '../errors.js';

/** The `Config` of a Consul auth method of type jwt (`authmethod/ssoauth/sso.go`, `Config`). */
export interface JwtMethodConfig {
  JWKSURL?: string;
  JWKSCACert?: string;
  JWTValidationPubKeys?: string[];
  BoundAudiences?: string[];
  BoundIssuer?: string;
  ClaimMappings?: Record<string, string>;
  ListClaimMappings?: Record<string, string>;
  JWTSupportedAlgs?: string[];
  /** Seconds (Consul takes Go durations; the double accepts numbers of seconds or "10s"). */
  ExpirationLeeway?: number | string;
  NotBeforeLeeway?: number | string;
  ClockSkewLeeway?: number | string;
}

/** A login's projection: what binding rules select on and render. */
export interface LoginIdentity {
  value: Record<string, string>;
  list: Record<string, string[]>;
}

/** RPC errors from the login path reach the client as 500 with their text, as in Consul. */
const loginError = (message: string) => new ConsulDoubleError(500, message);

/**
 * Checks a method config the way go-sso's `oidcauth.Config.Validate` does for type jwt:
 * exactly one key source.
 */
export function validateJwtConfig(config: JwtMethodConfig): void {
  const sources = [
    config.JWKSURL ? 1 : 0,
    (config.JWTValidationPubKeys ?? []).length > 0 ? 1 : 0,
  ].reduce((a, b) => a + b, 0);
  if (sources !== 1) {
    throw new ConsulDoubleError(
      500,
      `Invalid Auth Method: exactly one of 'JWTValidationPubKeys', 'JWKSURL', or 'OIDCDiscoveryURL' must be set for type "jwt"`,
    );
  }
  for (const pem of config.JWTValidationPubKeys ?? []) {
    try {
      createPublicKey(pem);
    } catch {
      throw new ConsulDoubleError(500, 'Invalid Auth Method: error parsing public key');
    }
  }
  if (config.JWKSCACert && !config.JWKSCACert.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConsulDoubleError(500, 'Invalid Auth Method: could not parse JWKSCACert');
  }
}

function seconds(value: number | string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (typeof value === 'number') return value > 1e6 ? value / 1e9 : value;
  const match = /^(\d+)(s|m|h)?$/.exec(value);
  if (!match) return fallback;
  return Number(match[1]) * ({ s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'] ?? 1);
}

function fetchJson(url: string, ca: string | undefined): Promise<unknown> {
  if (!url.startsWith('https:') || !ca) {
    return fetch(url).then(async (response) => {
      if (!response.ok) throw loginError(`failed to fetch JWKS: status ${response.status}`);
      return response.json();
    });
  }
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          try {
            resolve(JSON.parse(body));
          } catch (error) {
            reject(loginError(`failed to parse JWKS: ${(error as Error).message}`));
          }
        });
      })
      .on('error', (error) => reject(loginError(`failed to fetch JWKS: ${error.message}`)));
  });
}

async function keysFor(config: JwtMethodConfig): Promise<{ kid?: string; key: KeyObject }[]> {
  if (config.JWKSURL) {
    const jwks = (await fetchJson(config.JWKSURL, config.JWKSCACert)) as { keys?: unknown[] };
    return (jwks.keys ?? []).flatMap((jwk) => {
      try {
        const kid = (jwk as { kid?: unknown }).kid;
        return [
          {
            ...(typeof kid === 'string' ? { kid } : {}),
            key: createPublicKey({ key: jwk as never, format: 'jwk' }),
          },
        ];
      } catch {
        return [];
      }
    });
  }
  return (config.JWTValidationPubKeys ?? []).map((pem) => ({ key: createPublicKey(pem) }));
}

function verifyWith(alg: string, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    if (alg === 'RS256') return verify('sha256', data, key, signature);
    if (alg === 'ES256') {
      return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    }
    if (alg === 'ES384') {
      return verify('sha384', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    }
    if (alg === 'EdDSA') return verify(null, data, key, signature);
  } catch {
    return false;
  }
  return false;
}

function decodePart(part: string | undefined): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // falls through to the error below
  }
  throw loginError('error validating token: malformed JWT');
}

/**
 * Verifies a bearer JWT against the method's keys and claims and projects the mapped claims,
 * as go-sso `oidcauth.ClaimsFromJWT` does: signature (with the configured algorithms; default
 * RS256), `exp`/`nbf` with leeways, `iss` against BoundIssuer, `aud` against BoundAudiences,
 * then ClaimMappings (only claims the token has land in `value`).
 */
export async function verifyLogin(
  config: JwtMethodConfig,
  bearer: string,
  nowSeconds: number,
): Promise<LoginIdentity> {
  const [headerPart, payloadPart, signaturePart] = bearer.split('.');
  if (signaturePart === undefined) throw loginError('error validating token: malformed JWT');
  const header = decodePart(headerPart);
  const claims = decodePart(payloadPart);
  const alg = typeof header['alg'] === 'string' ? header['alg'] : '';
  const allowed = config.JWTSupportedAlgs?.length ? config.JWTSupportedAlgs : ['RS256'];
  if (!allowed.includes(alg)) {
    throw loginError(`error validating token: unsupported signing algorithm "${alg}"`);
  }
  const data = Buffer.from(`${headerPart}.${payloadPart}`);
  const signature = Buffer.from(signaturePart, 'base64url');
  const kid = typeof header['kid'] === 'string' ? header['kid'] : undefined;
  const keys = (await keysFor(config)).filter(
    (k) => kid === undefined || k.kid === undefined || k.kid === kid,
  );
  if (!keys.some(({ key }) => verifyWith(alg, key, data, signature))) {
    throw loginError('error validating token: failed to verify id token signature');
  }
  const skew = seconds(config.ClockSkewLeeway, 60);
  const exp = claims['exp'];
  if (typeof exp === 'number' && nowSeconds > exp + seconds(config.ExpirationLeeway, 150) + skew) {
    throw loginError('error validating token: token is expired (exp)');
  }
  const nbf = claims['nbf'] ?? claims['iat'];
  if (typeof nbf === 'number' && nowSeconds < nbf - seconds(config.NotBeforeLeeway, 150) - skew) {
    throw loginError('error validating token: token not valid yet (nbf)');
  }
  if (config.BoundIssuer && claims['iss'] !== config.BoundIssuer) {
    throw loginError('error validating token: invalid issuer (iss) claim');
  }
  const aud = claims['aud'];
  const audiences = (Array.isArray(aud) ? aud : [aud]).filter(
    (a): a is string => typeof a === 'string',
  );
  const bound = config.BoundAudiences ?? [];
  if (bound.length > 0 && !audiences.some((a) => bound.includes(a))) {
    throw loginError(
      'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience',
    );
  }
  const identity: LoginIdentity = { value: {}, list: {} };
  for (const [claim, key] of Object.entries(config.ClaimMappings ?? {})) {
    const value = claims[claim];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      identity.value[key] = String(value);
    }
  }
  for (const [claim, key] of Object.entries(config.ListClaimMappings ?? {})) {
    const value = claims[claim];
    if (Array.isArray(value)) identity.list[key] = value.map(String);
  }
  return identity;
}
