import {
  createCredentials,
  type Credentials,
  type CredentialSource,
  type RotationListener,
} from './credentials.js';

export interface CredentialValues {
  username?: string | undefined;
  password?: string | undefined;
  expiresAt?: Date | undefined;
}

/** A source whose rotations are driven by hand: tests, and operators replacing a secret. */
export interface ManualCredentialSource extends CredentialSource {
  /**
   * Hands out the next generation and resolves once every listener has finished with it.
   * Rejects (after all listeners ran) when a listener failed.
   */
  rotate(next: CredentialValues): Promise<Credentials>;
}

export function createManualCredentialSource(
  initial: CredentialValues,
  description = 'manual',
): ManualCredentialSource {
  let current = createCredentials({ ...initial, generation: 1 });
  const listeners = new Set<RotationListener>();

  return {
    description,
    current: () => Promise.resolve(current),
    onRotate(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async rotate(next) {
      current = createCredentials({ ...next, generation: current.generation + 1 });
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
      return rotated;
    },
    close() {
      listeners.clear();
      return Promise.resolve();
    },
  };
}
