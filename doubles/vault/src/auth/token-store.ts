import { newAccessor, newServiceToken } from '../core/ids.js';
import { formatDuration } from '../core/ttl.js';
import { VaultError, type Clock, type TokenEntry } from '../core/types.js';

/** Vault's system default and maximum lease TTL (32 days). */
export const SYSTEM_MAX_TTL_SECONDS = 768 * 3600;

export interface StoredToken extends TokenEntry {
  /** Policies as attached to the token (before identity policies, none here). */
  parent: string | undefined;
  path: string;
  creationTime: number;
  /** The TTL the token was created with, in seconds (0 = none). */
  creationTtl: number;
  explicitMaxTtl: number;
  /** The issuing role's or mount's max TTL in seconds, which renewals cannot exceed. */
  maxTtl: number;
  period: number;
  renewable: boolean;
  numUses: number;
  entityId: string;
  /** Accessor of the auth mount that issued the token, for templated policies. */
  authMountAccessor: string;
  aliasName: string;
  revoked: boolean;
}

export interface NewToken {
  policies: string[];
  parent: string | undefined;
  path: string;
  displayName: string;
  meta?: Record<string, string>;
  ttl: number;
  explicitMaxTtl: number;
  period: number;
  renewable: boolean;
  numUses?: number;
  /** Mount max TTL in seconds (defaults to the system max). */
  maxTtl?: number;
  entityId?: string;
  authMountAccessor?: string;
  aliasName?: string;
  entityAliasMetadata?: Record<string, string>;
  /** Fixed id (root token). */
  id?: string;
  /** Never expires (root token). */
  noExpiry?: boolean;
}

export interface TtlResult {
  ttl: number;
  warnings: string[];
}

export interface TokenStore {
  /** Creates a token; `ttl` is its lease duration in seconds (0 = never expires). */
  create(spec: NewToken): { token: StoredToken; ttl: number; warnings: string[] };
  /** The live token, or undefined when it is unknown, revoked, expired or its parent is gone. */
  lookup(id: string): StoredToken | undefined;
  lookupByAccessor(accessor: string): StoredToken | undefined;
  /** Seconds until expiry (0 for tokens that never expire). */
  remainingTtl(token: StoredToken): number;
  renew(token: StoredToken, incrementSeconds: number): TtlResult;
  /** Revokes the token and, unless `orphanChildren`, every descendant. */
  revoke(token: StoredToken, orphanChildren?: boolean): void;
  /** Counts one use of a limited-use token; revokes it when the last use is spent. */
  consumeUse(token: StoredToken): void;
  onRevoke(listener: (token: StoredToken) => void): void;
  snapshot(): StoredToken[];
}

export function createTokenStore(clock: Clock, saved: StoredToken[] = []): TokenStore {
  const tokens = new Map<string, StoredToken>();
  const byAccessor = new Map<string, StoredToken>();
  const listeners: ((token: StoredToken) => void)[] = [];
  for (const t of saved) {
    tokens.set(t.id, t);
    byAccessor.set(t.accessor, t);
  }

  const nowSeconds = (): number => Math.floor(clock.now() / 1000);

  const isLive = (token: StoredToken, seen = new Set<string>()): boolean => {
    if (token.revoked) return false;
    if (token.expiresAt !== undefined && token.expiresAt <= clock.now()) return false;
    if (token.parent === undefined) return true;
    if (seen.has(token.id)) return false;
    seen.add(token.id);
    const parent = tokens.get(token.parent);
    return parent !== undefined && isLive(parent, seen);
  };

  const revoke = (token: StoredToken, orphanChildren = false): void => {
    if (token.revoked) return;
    token.revoked = true;
    for (const child of tokens.values()) {
      if (child.parent !== token.id) continue;
      if (orphanChildren) child.parent = undefined;
      else revoke(child);
    }
    for (const listener of listeners) listener(token);
  };

  /** framework.CalculateTTL, as the token store uses it on create and renew. */
  const calculateTtl = (
    increment: number,
    backendTtl: number,
    period: number,
    maxTtl: number,
    explicitMaxTtl: number,
    startSeconds: number,
  ): TtlResult => {
    const warnings: string[] = [];
    const now = nowSeconds();
    if (period > 0) {
      let ttl = period;
      if (explicitMaxTtl > 0) {
        const remaining = startSeconds + explicitMaxTtl - now;
        if (ttl > remaining) {
          warnings.push(capWarning(ttl, Math.max(0, remaining)));
          ttl = Math.max(0, remaining);
        }
      }
      return { ttl, warnings };
    }
    let ttl = increment > 0 ? increment : backendTtl > 0 ? backendTtl : SYSTEM_MAX_TTL_SECONDS;
    let effectiveMax = maxTtl > 0 ? maxTtl : SYSTEM_MAX_TTL_SECONDS;
    if (explicitMaxTtl > 0 && explicitMaxTtl < effectiveMax) effectiveMax = explicitMaxTtl;
    const remaining = startSeconds + effectiveMax - now;
    if (ttl > remaining) {
      warnings.push(capWarning(ttl, Math.max(0, remaining)));
      ttl = Math.max(0, remaining);
    }
    return { ttl, warnings };
  };

  return {
    create(spec) {
      const id = spec.id ?? newServiceToken();
      if (tokens.has(id)) throw new VaultError(400, 'cannot create a token with a duplicate ID');
      const creationTime = nowSeconds();
      const maxTtl = spec.maxTtl && spec.maxTtl > 0 ? spec.maxTtl : SYSTEM_MAX_TTL_SECONDS;
      let ttl = 0;
      let warnings: string[] = [];
      if (!spec.noExpiry) {
        ({ ttl, warnings } = calculateTtl(
          0,
          spec.ttl,
          spec.period,
          maxTtl,
          spec.explicitMaxTtl,
          creationTime,
        ));
      }
      const token: StoredToken = {
        id,
        accessor: newAccessor(),
        policies: spec.policies,
        displayName: spec.displayName,
        meta: spec.meta ?? {},
        entityAliasMetadata: spec.entityAliasMetadata ?? {},
        expiresAt: spec.noExpiry ? undefined : clock.now() + ttl * 1000,
        parent: spec.parent,
        path: spec.path,
        creationTime,
        creationTtl: ttl,
        explicitMaxTtl: spec.explicitMaxTtl,
        maxTtl,
        period: spec.period,
        renewable: spec.noExpiry ? false : spec.renewable,
        numUses: spec.numUses ?? 0,
        entityId: spec.entityId ?? '',
        authMountAccessor: spec.authMountAccessor ?? '',
        aliasName: spec.aliasName ?? '',
        revoked: false,
      };
      tokens.set(id, token);
      byAccessor.set(token.accessor, token);
      return { token, ttl, warnings };
    },
    lookup(id) {
      const token = tokens.get(id);
      return token && isLive(token) ? token : undefined;
    },
    lookupByAccessor(accessor) {
      const token = byAccessor.get(accessor);
      return token && isLive(token) ? token : undefined;
    },
    remainingTtl(token) {
      if (token.expiresAt === undefined) return 0;
      return Math.max(0, Math.floor((token.expiresAt - clock.now()) / 1000));
    },
    renew(token, increment) {
      if (token.expiresAt === undefined) return { ttl: 0, warnings: [] };
      if (!token.renewable) throw new VaultError(400, 'lease is not renewable');
      const result = calculateTtl(
        increment,
        token.creationTtl,
        token.period,
        token.maxTtl,
        token.explicitMaxTtl,
        token.creationTime,
      );
      token.expiresAt = clock.now() + result.ttl * 1000;
      return result;
    },
    revoke,
    consumeUse(token) {
      if (token.numUses <= 0) return;
      token.numUses -= 1;
      if (token.numUses === 0) revoke(token);
    },
    onRevoke(listener) {
      listeners.push(listener);
    },
    snapshot() {
      return [...tokens.values()].filter((t) => isLive(t));
    },
  };
}

function capWarning(requested: number, max: number): string {
  return `TTL of "${formatDuration(requested)}" exceeded the effective max_ttl of "${formatDuration(max)}"; TTL value is capped accordingly`;
}
