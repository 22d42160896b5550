import type { Logger } from '@flowstack/observability';
import { realClock, type VaultClock } from './clock.js';
import { leasedSecretSchema, leaseRenewalSchema } from './schemas.js';
import { backoffDelayMs, renewDelayMs, retryDelayBeforeMs, type BackoffOptions } from './timing.js';
import { isVaultError } from './vault-error.js';
import type { VaultHttp } from './vault-http.js';
import type { VaultMetrics } from './vault-metrics.js';

/** One dynamic secret as Vault leased it. */
export interface Lease<T> {
  readonly data: T;
  readonly leaseId: string;
  /** 1 for the first secret, +1 for each replacement. */
  readonly generation: number;
  readonly issuedAt: Date;
  /** Moves forward with each renewal. */
  readonly expiresAt: Date | undefined;
}

export type LeaseListener<T> = (next: Lease<T>, previous: Lease<T>) => void | Promise<void>;

export interface ManagedSecret<T> {
  readonly name: string;
  current(): Lease<T>;
  /** Called with every replacement; the old lease is revoked after the listeners finished. */
  onRotate(listener: LeaseListener<T>): () => void;
  /** Replace the secret now (tests, operators). Resolves when the listeners have finished. */
  rotateNow(): Promise<Lease<T>>;
  /** Stops renewing and revokes the current lease. */
  close(): Promise<void>;
}

export interface ManageSpec<T> {
  /** Metric and log label, e.g. "postgres". */
  name: string;
  /** e.g. database/creds/api-readonly */
  path: string;
  parse(data: Record<string, unknown>): T;
  /**
   * Time the superseded secret stays valid after the clients moved to the new one, so work
   * started on it can finish (default 5 s; capped by the time it has left anyway).
   */
  revokeGraceMs?: number;
}

export interface LeaseManagerOptions {
  http: VaultHttp;
  logger: Logger;
  metrics: VaultMetrics;
  backoff?: BackoffOptions;
  /** Renewals, rotations and the revocation grace run on this clock (default real time). */
  clock?: VaultClock;
}

export interface LeaseManager {
  /** Reads the secret once (rejects when it cannot) and keeps it alive from then on. */
  manage<T>(spec: ManageSpec<T>): Promise<ManagedSecret<T>>;
  /** Stops every managed secret and revokes its leases. */
  close(): Promise<void>;
}

interface LeaseState<T> extends Lease<T> {
  requestedSeconds: number;
  renewable: boolean;
  expiresAt: Date | undefined;
}

/**
 * Keeps dynamic secrets alive: renew at 2/3 of `lease_duration`; when Vault caps a renewal
 * (max TTL near) or refuses it, read new credentials while the old ones still work, hand them
 * to the listeners, then revoke the old lease. While Vault is unreachable it retries with
 * exponential backoff and jitter, never sleeping past the moment the lease runs out.
 */
export function createLeaseManager(options: LeaseManagerOptions): LeaseManager {
  const { http, logger, metrics } = options;
  const clock = options.clock ?? realClock;
  const secrets = new Set<ManagedSecret<unknown>>();

  const read = async <T>(spec: ManageSpec<T>, generation: number): Promise<LeaseState<T>> => {
    const answer = await http.read(spec.path, leasedSecretSchema);
    const issuedAt = new Date(clock.now());
    return {
      data: spec.parse(answer.data),
      leaseId: answer.lease_id,
      generation,
      issuedAt,
      expiresAt:
        answer.lease_duration > 0
          ? new Date(issuedAt.getTime() + answer.lease_duration * 1000)
          : undefined,
      requestedSeconds: answer.lease_duration,
      renewable: answer.renewable && answer.lease_id !== '',
    };
  };

  const revoke = async (leaseId: string, log: Logger) => {
    if (leaseId === '') return;
    // The lease id goes in the URL: the policy allows only this service's own lease paths.
    await http.writeOnly(`sys/leases/revoke/${leaseId}`, {}).catch((error: unknown) => {
      metrics.failures.inc({ operation: 'lease-revoke' });
      log.warn({ err: error, leaseId }, 'lease not revoked; it expires on its own');
    });
  };

  return {
    async manage<T>(spec: ManageSpec<T>): Promise<ManagedSecret<T>> {
      const log = logger.child({
        component: 'vault-lease',
        credential: spec.name,
        path: spec.path,
      });
      let current = await read(spec, 1);
      const listeners = new Set<LeaseListener<T>>();
      const pendingRevokes = new Map<string, () => void>();
      let cancelTimer: (() => void) | undefined;
      let closed = false;
      let failures = 0;
      let rotating: Promise<Lease<T>> | undefined;
      const untrack = metrics.trackExpiry(spec.name, () => current.expiresAt);
      log.info(
        { leaseId: current.leaseId, generation: 1, ttlSeconds: current.requestedSeconds },
        'vault secret issued',
      );

      const schedule = (delayMs: number, task: () => Promise<void>) => {
        cancelTimer?.();
        if (closed) return;
        cancelTimer = clock.setTimer(clock.now() + delayMs, () => {
          void task().catch((error: unknown) => {
            log.error({ err: error }, 'vault lease task failed unexpectedly');
          });
        });
      };

      const scheduleNext = (ttlSeconds: number) => {
        if (current.expiresAt === undefined) return;
        schedule(renewDelayMs(ttlSeconds), current.renewable ? renew : rotateInBackground);
      };

      const retryLater = (error: unknown, task: () => Promise<void>, operation: string) => {
        const msLeft =
          current.expiresAt === undefined ? 0 : current.expiresAt.getTime() - clock.now();
        const delay =
          msLeft > 0
            ? retryDelayBeforeMs(failures, msLeft, options.backoff)
            : backoffDelayMs(failures, options.backoff);
        failures += 1;
        metrics.failures.inc({ operation });
        log.warn(
          {
            err: error,
            attempt: failures,
            retryInMs: delay,
            secondsLeft: Math.round(msLeft / 1000),
          },
          `vault ${operation} failed; retrying`,
        );
        schedule(delay, msLeft > 0 ? task : rotateInBackground);
      };

      const renew = async (): Promise<void> => {
        if (closed) return;
        try {
          const answer = await http.write(
            `sys/leases/renew/${current.leaseId}`,
            { increment: current.requestedSeconds },
            leaseRenewalSchema,
          );
          failures = 0;
          metrics.renewals.inc({ secret: spec.name });
          current.expiresAt = new Date(clock.now() + answer.lease_duration * 1000);
          if (answer.lease_duration < current.requestedSeconds) {
            log.info(
              { grantedSeconds: answer.lease_duration, leaseId: current.leaseId },
              'lease renewal capped by its max TTL; replacing the secret',
            );
            await rotateInBackground();
            return;
          }
          scheduleNext(answer.lease_duration);
        } catch (error) {
          if (isVaultError(error) && error.isFatalForRenewal) {
            metrics.failures.inc({ operation: 'lease-renew' });
            log.warn(
              { err: error, leaseId: current.leaseId },
              'lease cannot be renewed; replacing it',
            );
            await rotateInBackground();
            return;
          }
          retryLater(error, renew, 'lease-renew');
        }
      };

      const rotate = async (): Promise<Lease<T>> => {
        const previous = current;
        const next = await read(spec, previous.generation + 1);
        if (closed) {
          await revoke(next.leaseId, log);
          return previous;
        }
        current = next;
        failures = 0;
        metrics.rotations.inc({ secret: spec.name });
        log.info(
          { leaseId: next.leaseId, generation: next.generation, ttlSeconds: next.requestedSeconds },
          'vault secret replaced',
        );
        const results = await Promise.allSettled(
          [...listeners].map(async (listener) => listener(next, previous)),
        );
        for (const result of results) {
          if (result.status === 'rejected') {
            metrics.failures.inc({ operation: 'rotation-listener' });
            log.error({ err: result.reason as unknown }, 'a client did not take the new secret');
          }
        }
        scheduleNext(next.requestedSeconds);
        const msLeft =
          previous.expiresAt === undefined ? Infinity : previous.expiresAt.getTime() - clock.now();
        const grace = Math.max(0, Math.min(spec.revokeGraceMs ?? 5_000, msLeft - 250));
        const cancelRevoke = clock.setTimer(clock.now() + grace, () => {
          pendingRevokes.delete(previous.leaseId);
          void revoke(previous.leaseId, log);
        });
        pendingRevokes.set(previous.leaseId, cancelRevoke);
        return next;
      };

      const rotateOnce = (): Promise<Lease<T>> => {
        rotating ??= rotate().finally(() => {
          rotating = undefined;
        });
        return rotating;
      };

      const rotateInBackground = async (): Promise<void> => {
        if (closed) return;
        try {
          await rotateOnce();
        } catch (error) {
          retryLater(error, rotateInBackground, 'lease-rotate');
        }
      };

      scheduleNext(current.requestedSeconds);

      const managed: ManagedSecret<T> = {
        name: spec.name,
        current: () => current,
        onRotate(listener) {
          listeners.add(listener);
          return () => {
            listeners.delete(listener);
          };
        },
        rotateNow: rotateOnce,
        async close() {
          if (closed) return;
          closed = true;
          cancelTimer?.();
          untrack();
          listeners.clear();
          await rotating?.catch(() => undefined);
          const leaseIds = [...pendingRevokes.keys(), current.leaseId];
          for (const cancel of pendingRevokes.values()) cancel();
          pendingRevokes.clear();
          await Promise.all(leaseIds.map((leaseId) => revoke(leaseId, log)));
          secrets.delete(managed);
          log.info({ revoked: leaseIds.length }, 'vault secret closed and its leases revoked');
        },
      };
      secrets.add(managed);
      return managed;
    },
    async close() {
      await Promise.all([...secrets].map((secret) => secret.close()));
    },
  };
}
