import type { Logger } from '@flowstack/observability';

/**
 * A warn logger that prints a given kind of line at most once per interval and reports how many
 * it held back. While Redis is down every request and every reconnect attempt fails; the log
 * should say so once in a while, not thousands of times.
 */
export function createRateLimitedWarn(log: Logger, intervalMs: number) {
  const lastByKind = new Map<string, { at: number; suppressed: number }>();
  return (kind: string, fields: Record<string, unknown>, message: string): void => {
    const now = Date.now();
    const last = lastByKind.get(kind);
    if (last !== undefined && now - last.at < intervalMs) {
      last.suppressed += 1;
      return;
    }
    lastByKind.set(kind, { at: now, suppressed: 0 });
    log.warn({ ...fields, suppressedSinceLast: last?.suppressed ?? 0 }, message);
  };
}
