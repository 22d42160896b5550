/** A dependency check: resolves when the dependency is usable, rejects (or times out) when not. */
export type ReadinessCheck = () => Promise<void>;

export interface ReadinessReport {
  ready: boolean;
  draining: boolean;
  checks: Record<string, { ok: boolean; critical: boolean; error?: string }>;
}

export interface CheckOptions {
  /**
   * A non-critical check is reported but does not make the process unready: for a dependency
   * the process can serve without (Redis, when reads fall back to PostgreSQL).
   */
  critical?: boolean;
}

export interface ReadinessRegistry {
  register(name: string, check: ReadinessCheck, options?: CheckOptions): void;
  /** From now on the process reports not ready, so load balancers stop sending work. */
  startDraining(): void;
  report(): Promise<ReadinessReport>;
}

export function createReadinessRegistry(
  options: { checkTimeoutMs?: number } = {},
): ReadinessRegistry {
  const checks = new Map<string, { check: ReadinessCheck; critical: boolean }>();
  const timeoutMs = options.checkTimeoutMs ?? 2000;
  let draining = false;

  async function runCheck(check: ReadinessCheck): Promise<{ ok: boolean; error?: string }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`check timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([check(), timeout]);
      return { ok: true };
    } catch (error) {
      // Only the error class/message: check errors come from our own clients, never carry secrets.
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    register(name, check, checkOptions = {}) {
      checks.set(name, { check, critical: checkOptions.critical ?? true });
    },
    startDraining() {
      draining = true;
    },
    async report() {
      const entries = await Promise.all(
        [...checks].map(
          async ([name, { check, critical }]) =>
            [name, { ...(await runCheck(check)), critical }] as const,
        ),
      );
      const results = Object.fromEntries(entries);
      const healthy = entries.every(([, result]) => result.ok || !result.critical);
      return { ready: healthy && !draining, draining, checks: results };
    },
  };
}
