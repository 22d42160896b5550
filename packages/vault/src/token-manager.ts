import { unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '@flowstack/observability';
import { loginWith, readSecretFile, type VaultAuthConfig } from './auth-methods.js';
import { realClock, type VaultClock } from './clock.js';
import { authResponseSchema, lookupSelfSchema } from './schemas.js';
import { backoffDelayMs, renewDelayMs, retryDelayBeforeMs, type BackoffOptions } from './timing.js';
import { isVaultError } from './vault-error.js';
import type { VaultHttp } from './vault-http.js';
import type { VaultMetrics } from './vault-metrics.js';

export interface TokenManagerOptions {
  http: VaultHttp;
  auth: VaultAuthConfig;
  logger: Logger;
  metrics: VaultMetrics;
  backoff?: BackoffOptions;
  /** How often a token file is checked for a new token (default 1 s). */
  fileCheckIntervalMs?: number;
  /** Renewals and expiry run on this clock (default real time). */
  clock?: VaultClock;
}

export interface TokenManager {
  /** Gets the first token, retrying with backoff until `timeoutMs` (then rejects). */
  start(timeoutMs: number): Promise<void>;
  /** Re-reads the token file or logs in again now (Nomad's `change_mode = "signal"`). */
  reload(): Promise<void>;
  /** When the current token expires; undefined when it does not. */
  expiresAt(): Date | undefined;
  /** Stops renewing; revokes the token when this process earned it by logging in. */
  close(): Promise<void>;
}

/**
 * Holds the process's Vault token. A token earned by login (JWT, AppRole) is renewed at 2/3 of
 * its TTL and replaced by a new login when renewal is refused or capped. A token from a file is
 * owned by whoever writes the file (Nomad renews it and rewrites `secrets/vault_token`): it is
 * followed, never renewed. A fixed VAULT_TOKEN is renewed when renewable.
 */
export function createTokenManager(options: TokenManagerOptions): TokenManager {
  const { http, auth, logger, metrics } = options;
  const clock = options.clock ?? realClock;
  const log = logger.child({ component: 'vault-token', method: auth.method });
  const fileOwned = auth.method === 'token' && auth.tokenFile !== undefined;
  const loggedIn = auth.method !== 'token';
  let expiresAt: Date | undefined;
  let requestedTtl = 0;
  let cancelTimer: (() => void) | undefined;
  let closed = false;
  let failures = 0;
  let fileWatched = false;

  const schedule = (delayMs: number, task: () => Promise<void>) => {
    cancelTimer?.();
    if (closed) return;
    cancelTimer = clock.setTimer(clock.now() + delayMs, () => {
      void task().catch((error: unknown) => {
        log.error({ err: error }, 'vault token task failed unexpectedly');
      });
    });
  };

  const adopt = (token: string, ttlSeconds: number, renewable: boolean, how: string) => {
    http.token = token;
    expiresAt = ttlSeconds > 0 ? new Date(clock.now() + ttlSeconds * 1000) : undefined;
    metrics.trackTokenExpiry(() => expiresAt);
    failures = 0;
    log.info({ ttlSeconds, renewable, how }, 'vault token in use');
    if (fileOwned) return;
    if (ttlSeconds <= 0) return;
    if (renewable) {
      requestedTtl = Math.max(requestedTtl, ttlSeconds);
      schedule(renewDelayMs(ttlSeconds), renew);
    } else if (loggedIn) {
      schedule(renewDelayMs(ttlSeconds), acquire);
    }
  };

  const acquire = async (): Promise<void> => {
    if (closed) return;
    try {
      if (auth.method === 'token') {
        const token =
          auth.tokenFile === undefined ? (auth.token ?? '') : await readSecretFile(auth.tokenFile);
        if (token === '') {
          throw new Error('no Vault token configured (VAULT_TOKEN or VAULT_TOKEN_FILE)');
        }
        const previous = http.token;
        http.token = token;
        try {
          const self = await http.read('auth/token/lookup-self', lookupSelfSchema);
          adopt(token, self.data.ttl, self.data.renewable ?? false, fileOwned ? 'file' : 'token');
        } catch (error) {
          http.token = previous;
          throw error;
        }
      } else {
        const result = await loginWith(http, auth);
        metrics.logins.inc({ method: auth.method });
        requestedTtl = 0;
        adopt(result.token, result.auth.lease_duration, result.auth.renewable, 'login');
      }
    } catch (error) {
      metrics.failures.inc({ operation: 'login' });
      retryLater(error, acquire);
      throw error;
    }
  };

  const renew = async (): Promise<void> => {
    if (closed) return;
    try {
      const answer = await http.write(
        'auth/token/renew-self',
        { increment: requestedTtl },
        authResponseSchema,
      );
      metrics.renewals.inc({ secret: 'token' });
      const granted = answer.auth.lease_duration;
      if (granted < requestedTtl && loggedIn) {
        // Capped by the token's max TTL: log in again before it runs out.
        expiresAt = new Date(clock.now() + granted * 1000);
        log.info({ grantedSeconds: granted }, 'vault token renewal capped; logging in again soon');
        schedule(renewDelayMs(granted), relogin);
        return;
      }
      expiresAt = granted > 0 ? new Date(clock.now() + granted * 1000) : undefined;
      failures = 0;
      if (granted > 0) schedule(renewDelayMs(granted), renew);
    } catch (error) {
      metrics.failures.inc({ operation: 'token-renew' });
      if (isVaultError(error) && error.isFatalForRenewal) {
        log.warn({ err: error }, 'vault token cannot be renewed; getting a new one');
        await relogin();
        return;
      }
      retryLater(error, renew);
    }
  };

  const relogin = async (): Promise<void> => {
    await acquire().catch(() => undefined);
  };

  /** Vault unreachable: try again with backoff, never sleeping past the token's expiry. */
  const retryLater = (error: unknown, task: () => Promise<void>) => {
    if (closed) return;
    const msLeft = expiresAt === undefined ? 0 : expiresAt.getTime() - clock.now();
    const expired = expiresAt !== undefined && msLeft <= 0;
    const delay =
      msLeft > 0
        ? retryDelayBeforeMs(failures, msLeft, options.backoff)
        : backoffDelayMs(failures, options.backoff);
    failures += 1;
    log.warn(
      { err: error, attempt: failures, retryInMs: delay, expired },
      'vault token operation failed; retrying',
    );
    schedule(delay, expired && loggedIn ? acquire : task);
  };

  const watchTokenFile = () => {
    if (auth.method !== 'token' || auth.tokenFile === undefined || fileWatched) return;
    fileWatched = true;
    const path = auth.tokenFile;
    watchFile(
      path,
      { interval: options.fileCheckIntervalMs ?? 1_000, persistent: false },
      (now, before) => {
        if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
        void acquire().catch(() => undefined);
      },
    );
  };

  return {
    async start(timeoutMs) {
      // The startup bound is the process's, in real time whatever the renewal clock.
      const deadline = Date.now() + timeoutMs;
      for (let attempt = 0; ; attempt += 1) {
        try {
          await acquire();
          watchTokenFile();
          return;
        } catch (error) {
          cancelTimer?.();
          const delay = backoffDelayMs(attempt, options.backoff);
          const fatal =
            isVaultError(error) && (error.kind === 'denied' || error.kind === 'invalid');
          if (fatal || Date.now() + delay > deadline || closed) throw error;
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    },
    reload: () => acquire(),
    expiresAt: () => expiresAt,
    async close() {
      if (closed) return;
      closed = true;
      cancelTimer?.();
      if (auth.method === 'token' && auth.tokenFile !== undefined) unwatchFile(auth.tokenFile);
      metrics.trackTokenExpiry(undefined);
      if (loggedIn && http.token !== '') {
        await http.writeOnly('auth/token/revoke-self', {}).catch((error: unknown) => {
          log.warn({ err: error }, 'vault token not revoked at shutdown');
        });
      }
      http.token = '';
    },
  };
}
