export interface BackoffOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export const DEFAULT_INITIAL_DELAY_MS = 200;
/**
 * The api must accept orders again within 2 s of the broker's return: with the delay capped at
 * 1 s (0.5-1 s after jitter) the next attempt starts at most 1 s after the broker is back, which
 * leaves a second for the connection, the channels and the topology. A 30 s cap let a broker
 * that came back after a long outage wait up to 30 s for the api. Against a broker that stays
 * down that is one attempt a second per process, which the broker does not notice.
 */
export const DEFAULT_MAX_DELAY_MS = 1_000;

/**
 * Delay before retry number `attempt` (1-based): exponential, capped, with "equal jitter" (half
 * fixed, half random) so that many clients restarted together do not reconnect in lockstep.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
  const max = Math.max(initial, options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS);
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(max, initial * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** A sleep that `wake()` cuts short (closing, a rotation, a lost connection). */
export function createWaker(): {
  sleep(ms: number): Promise<void>;
  wake(): void;
} {
  const sleepers = new Set<() => void>();
  return {
    sleep(ms) {
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          sleepers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        sleepers.add(done);
      });
    },
    wake() {
      for (const done of [...sleepers]) done();
    },
  };
}
