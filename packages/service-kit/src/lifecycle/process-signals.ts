import type { Lifecycle, LifecycleLogger } from './lifecycle.js';

/**
 * Wires SIGTERM/SIGINT to an ordered shutdown and crashes (uncaught errors) to a logged exit.
 * Call it from a process's main, never from library code.
 */
export function handleProcessSignals(lifecycle: Lifecycle, logger: LifecycleLogger): void {
  const shutdownAndExit = (reason: string, exitCode: number): void => {
    lifecycle
      .shutdown(reason)
      .then(() => process.exit(exitCode))
      .catch(() => process.exit(1));
  };
  process.once('SIGTERM', () => shutdownAndExit('SIGTERM', 0));
  process.once('SIGINT', () => shutdownAndExit('SIGINT', 0));
  process.on('uncaughtException', (error) => {
    logger.error({ err: error }, 'uncaught exception');
    shutdownAndExit('uncaughtException', 1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled rejection');
    shutdownAndExit('unhandledRejection', 1);
  });
}
