import {
  createCredentials,
  type Credentials,
  type CredentialSource,
  type RotationListener,
} from '@flowstack/credentials';
import type { Lease, LeaseManager, ManagedSecret } from './lease-manager.js';
import { usernamePasswordSchema } from './schemas.js';

export interface VaultCredentialSourceOptions {
  leases: LeaseManager;
  /** Label for logs and metrics, e.g. "postgres". */
  name: string;
  /** database/creds/<role> or rabbitmq/creds/<role>: both answer { username, password }. */
  path: string;
  /** How long superseded credentials stay valid for work started on them (default 5 s). */
  revokeGraceMs?: number;
}

type UsernamePassword = { username: string; password: string };

/**
 * A CredentialSource on a Vault lease: each replacement of the lease is a new generation; the
 * listeners (the db pool swap, the Redis re-AUTH, the AMQP reconnect) finish before the old lease
 * is revoked. close() revokes the lease.
 */
export async function createVaultCredentialSource(
  options: VaultCredentialSourceOptions,
): Promise<CredentialSource & { secret: ManagedSecret<UsernamePassword> }> {
  const secret = await options.leases.manage<UsernamePassword>({
    name: options.name,
    path: options.path,
    parse: (data) => {
      const parsed = usernamePasswordSchema.parse(data);
      const values = { username: parsed.username };
      Object.defineProperty(values, 'password', { value: parsed.password, enumerable: false });
      return values as UsernamePassword;
    },
    ...(options.revokeGraceMs === undefined ? {} : { revokeGraceMs: options.revokeGraceMs }),
  });
  const toCredentials = (lease: Lease<UsernamePassword>): Credentials =>
    createCredentials({
      username: lease.data.username,
      password: lease.data.password,
      generation: lease.generation,
      expiresAt: lease.expiresAt,
    });
  let current = toCredentials(secret.current());
  secret.onRotate((next) => {
    current = toCredentials(next);
  });
  const listeners = new Set<RotationListener>();
  secret.onRotate(async () => {
    const rotated = current;
    const results = await Promise.allSettled(
      [...listeners].map(async (listener) => listener(rotated)),
    );
    const failures = results.flatMap((result) =>
      result.status === 'rejected' ? [result.reason as unknown] : [],
    );
    if (failures.length > 0) {
      throw new AggregateError(failures, `${failures.length} rotation listener(s) failed`);
    }
  });

  return {
    description: `vault:${options.path}`,
    secret,
    current: () => Promise.resolve(current),
    onRotate(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close: () => secret.close(),
  };
}
