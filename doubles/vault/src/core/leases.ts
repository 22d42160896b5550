import { randomBase62 } from './ids.js';
import { formatDuration, parseDuration } from './ttl.js';
import type { Clock, IssuedLease, LeaseRegistry, LeaseSpec } from './types.js';
import { VaultError } from './types.js';

/** Vault's system max lease TTL (768h = 32 days), used when a lease gives no max. */
export const SYSTEM_MAX_LEASE_TTL_SECONDS = 768 * 3600;

/** The fields Vault returns from sys/leases/lookup. */
export interface LeaseLookup {
  id: string;
  issueTime: Date;
  expireTime: Date;
  lastRenewal: Date | null;
  renewable: boolean;
  ttlSeconds: number;
}

export interface RenewResult {
  lease: IssuedLease;
  warnings: string[];
}

export interface LeaseManager extends LeaseRegistry {
  lookup(leaseId: string): LeaseLookup;
  /** Next-level keys under a prefix, as LIST sys/leases/lookup/:prefix returns them. */
  list(prefix: string): string[];
  /** Extends the lease by `incrementSeconds` (0 = the lease's default TTL), capped at its max TTL. */
  renew(leaseId: string, incrementSeconds: number): Promise<RenewResult>;
  /** Runs the revoke hook and forgets the lease. Unknown ids succeed (Vault's revoke is idempotent). */
  revoke(leaseId: string): Promise<void>;
  revokePrefix(prefix: string): Promise<void>;
  revokeAll(): Promise<void>;
  /** Stops the expiry timers without revoking (leases outlive a stopped Vault too). */
  close(): Promise<void>;
  /** How many leases are live (for tests and health output). */
  size(): number;
}

export interface LeaseManagerOptions {
  /** Called when a revoke triggered by expiry fails for the last time. */
  onExpiryError?: (leaseId: string, error: unknown) => void;
}

interface LeaseEntry {
  id: string;
  spec: LeaseSpec;
  issueMs: number;
  expireMs: number;
  lastRenewalMs: number | null;
  cancelTimer: () => void;
  revoking: Promise<void> | undefined;
}

const EXPIRY_RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 16_000];

/**
 * Leases with Vault's semantics: expiry revokes on the clock's timers, renewals are capped at
 * `issue time + max TTL` with Vault's warning, and revocation runs the engine's hook before the
 * lease is forgotten (so a failed revoke leaves it in place to be retried).
 */
export function createLeaseManager(clock: Clock, options: LeaseManagerOptions = {}): LeaseManager {
  const leases = new Map<string, LeaseEntry>();
  let closed = false;

  const maxExpireMs = (entry: LeaseEntry): number => {
    const maxTtl =
      entry.spec.maxTtlSeconds > 0 ? entry.spec.maxTtlSeconds : SYSTEM_MAX_LEASE_TTL_SECONDS;
    return entry.issueMs + maxTtl * 1000;
  };

  const toIssued = (entry: LeaseEntry): IssuedLease => ({
    leaseId: entry.id,
    leaseDurationSeconds: Math.max(0, Math.round((entry.expireMs - clock.now()) / 1000)),
    renewable: entry.spec.renewable,
    expiresAt: new Date(entry.expireMs),
  });

  const revokeEntry = (entry: LeaseEntry): Promise<void> => {
    if (!entry.revoking) {
      entry.cancelTimer();
      entry.revoking = entry.spec.onRevoke().then(
        () => {
          leases.delete(entry.id);
        },
        (error: unknown) => {
          entry.revoking = undefined;
          throw error;
        },
      );
    }
    return entry.revoking;
  };

  const expire = (entry: LeaseEntry, attempt: number): void => {
    if (closed || leases.get(entry.id) !== entry) return;
    revokeEntry(entry).catch((error: unknown) => {
      const delay = EXPIRY_RETRY_DELAYS_MS[attempt];
      if (delay === undefined || closed) {
        options.onExpiryError?.(entry.id, error);
        return;
      }
      entry.cancelTimer = clock.setTimer(clock.now() + delay, () => expire(entry, attempt + 1));
    });
  };

  const schedule = (entry: LeaseEntry): void => {
    entry.cancelTimer();
    entry.cancelTimer = clock.setTimer(entry.expireMs, () => expire(entry, 0));
  };

  const get = (leaseId: string): LeaseEntry | undefined => {
    const entry = leases.get(leaseId);
    return entry && !entry.revoking ? entry : undefined;
  };

  return {
    issue(spec) {
      if (closed) throw new VaultError(500, 'lease manager is closed');
      const now = clock.now();
      const maxTtl = spec.maxTtlSeconds > 0 ? spec.maxTtlSeconds : SYSTEM_MAX_LEASE_TTL_SECONDS;
      const ttl = Math.min(spec.ttlSeconds > 0 ? spec.ttlSeconds : maxTtl, maxTtl);
      const entry: LeaseEntry = {
        id: `${spec.pathPrefix.replace(/\/+$/, '')}/${randomBase62(24)}`,
        spec,
        issueMs: now,
        expireMs: now + ttl * 1000,
        lastRenewalMs: null,
        cancelTimer: () => undefined,
        revoking: undefined,
      };
      leases.set(entry.id, entry);
      schedule(entry);
      return { ...toIssued(entry), leaseDurationSeconds: ttl };
    },

    lookup(leaseId) {
      const entry = get(leaseId);
      if (!entry) throw new VaultError(400, 'invalid lease');
      return {
        id: entry.id,
        issueTime: new Date(entry.issueMs),
        expireTime: new Date(entry.expireMs),
        lastRenewal: entry.lastRenewalMs === null ? null : new Date(entry.lastRenewalMs),
        renewable: entry.spec.renewable && entry.expireMs > clock.now(),
        ttlSeconds: Math.max(0, Math.round((entry.expireMs - clock.now()) / 1000)),
      };
    },

    list(prefix) {
      const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
      const keys = new Set<string>();
      for (const [id, entry] of leases) {
        if (entry.revoking || !id.startsWith(base)) continue;
        const rest = id.slice(base.length);
        const slash = rest.indexOf('/');
        keys.add(slash === -1 ? rest : rest.slice(0, slash + 1));
      }
      return [...keys].sort();
    },

    async renew(leaseId, incrementSeconds) {
      const entry = get(leaseId);
      if (!entry) throw new VaultError(400, 'lease not found or lease is not renewable');
      const now = clock.now();
      if (entry.expireMs <= now) throw new VaultError(400, 'lease expired');
      if (!entry.spec.renewable) throw new VaultError(400, 'lease is not renewable');

      // framework.CalculateTTL: the increment, else the backend's default TTL, capped at what is
      // left of the max TTL counted from the issue time.
      let ttl = incrementSeconds > 0 ? incrementSeconds : entry.spec.ttlSeconds;
      if (ttl <= 0) ttl = SYSTEM_MAX_LEASE_TTL_SECONDS;
      const maxValidSeconds = Math.floor((maxExpireMs(entry) - now) / 1000);
      if (maxValidSeconds <= 0) throw new VaultError(400, 'lease expired');
      const warnings: string[] = [];
      if (ttl > maxValidSeconds) {
        warnings.push(
          `TTL of "${formatDuration(ttl)}" exceeded the effective max_ttl of "${formatDuration(maxValidSeconds)}"; TTL value is capped accordingly`,
        );
        ttl = maxValidSeconds;
      }
      const expireMs = now + ttl * 1000;
      await entry.spec.onRenew(new Date(expireMs));
      if (leases.get(leaseId) !== entry || entry.revoking) {
        throw new VaultError(400, 'lease not found or lease is not renewable');
      }
      entry.expireMs = expireMs;
      entry.lastRenewalMs = now;
      schedule(entry);
      return {
        lease: {
          leaseId,
          leaseDurationSeconds: ttl,
          renewable: true,
          expiresAt: new Date(expireMs),
        },
        warnings,
      };
    },

    async revoke(leaseId) {
      const entry = leases.get(leaseId);
      if (entry) await revokeEntry(entry);
    },

    async revokePrefix(prefix) {
      const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
      const matching = [...leases.values()].filter((e) => e.id.startsWith(base));
      await revokeAllOf(matching);
    },

    async revokeAll() {
      await revokeAllOf([...leases.values()]);
    },

    close() {
      closed = true;
      for (const entry of leases.values()) entry.cancelTimer();
      return Promise.resolve();
    },

    size() {
      return leases.size;
    },
  };

  /** One after the other, as Vault's RevokePrefix does: parallel REVOKEs on shared objects conflict. */
  async function revokeAllOf(entries: LeaseEntry[]): Promise<void> {
    const reasons: string[] = [];
    for (const entry of entries) {
      try {
        await revokeEntry(entry);
      } catch (error) {
        reasons.push(error instanceof Error ? error.message : 'error');
      }
    }
    if (reasons.length > 0) {
      throw new VaultError(
        400,
        `failed to revoke ${reasons.length} lease(s): ${reasons.join('; ')}`,
      );
    }
  }
}

export interface LeaseTtls {
  ttlSeconds: number;
  maxTtlSeconds: number;
}

/**
 * framework.CalculateTTL at issue time: the role's TTL, else the mount's default, else the system
 * default; the max is the smallest of the role's max, the mount's max and the system max.
 * Mount options may carry `default_lease_ttl` / `max_lease_ttl` directly or under `config`.
 */
export function resolveLeaseTtls(
  roleTtlSeconds: number,
  roleMaxTtlSeconds: number,
  mountOptions: Record<string, unknown>,
): LeaseTtls {
  const nested = mountOptions.config;
  const config =
    typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>) : {};
  const mountDefault = parseDuration(config.default_lease_ttl ?? mountOptions.default_lease_ttl);
  const mountMax = parseDuration(config.max_lease_ttl ?? mountOptions.max_lease_ttl);
  let maxTtl = mountMax > 0 ? mountMax : SYSTEM_MAX_LEASE_TTL_SECONDS;
  if (roleMaxTtlSeconds > 0 && roleMaxTtlSeconds < maxTtl) maxTtl = roleMaxTtlSeconds;
  let ttl = roleTtlSeconds > 0 ? roleTtlSeconds : mountDefault > 0 ? mountDefault : maxTtl;
  if (ttl > maxTtl) ttl = maxTtl;
  return { ttlSeconds: ttl, maxTtlSeconds: maxTtl };
}
