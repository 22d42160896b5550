import { createReadinessRegistry, type ReadinessRegistry } from './readiness.js';

export interface LifecycleLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type StopFn = () => Promise<void>;

export interface Lifecycle {
  readonly readiness: ReadinessRegistry;
  /**
   * Runs one startup step and remembers how to undo it. Steps stop in reverse order, so a
   * resource is closed only after everything that uses it has stopped.
   */
  step<T>(name: string, start: () => Promise<{ value: T; stop: StopFn }>): Promise<T>;
  /** Registers a stop function without a start step (e.g. for a resource created elsewhere). */
  onStop(name: string, stop: StopFn): void;
  /**
   * Readiness goes 503, then waits `drainDelayMs` so load balancers notice, then stops every step
   * in reverse. Safe to call more than once: later calls return the first shutdown's promise.
   */
  shutdown(reason: string): Promise<void>;
  readonly stopping: boolean;
}

export interface LifecycleOptions {
  logger: LifecycleLogger;
  /** Time between readiness going 503 and the first stop (Consul/Traefik notice the change). */
  drainDelayMs?: number;
  /** Upper bound for each stop function. */
  stopTimeoutMs?: number;
}

export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { logger } = options;
  const readiness = createReadinessRegistry();
  const stops: { name: string; stop: StopFn }[] = [];
  let shutdownPromise: Promise<void> | undefined;

  async function stopWithTimeout(name: string, stop: StopFn): Promise<void> {
    const timeoutMs = options.stopTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        stop(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`stop timed out after ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
      logger.info({ step: name }, 'stopped');
    } catch (error) {
      logger.error({ step: name, err: error }, 'stop failed');
    } finally {
      clearTimeout(timer);
    }
  }

  async function runShutdown(reason: string): Promise<void> {
    logger.info({ reason }, 'shutting down');
    readiness.startDraining();
    if ((options.drainDelayMs ?? 0) > 0) {
      await new Promise((resolve) => setTimeout(resolve, options.drainDelayMs));
    }
    for (const { name, stop } of [...stops].reverse()) await stopWithTimeout(name, stop);
    logger.info({ reason }, 'shut down');
  }

  return {
    readiness,
    async step(name, start) {
      const { value, stop } = await start();
      stops.push({ name, stop });
      logger.info({ step: name }, 'started');
      return value;
    },
    onStop(name, stop) {
      stops.push({ name, stop });
    },
    shutdown(reason) {
      shutdownPromise ??= runShutdown(reason);
      return shutdownPromise;
    },
    get stopping() {
      return shutdownPromise !== undefined;
    },
  };
}
