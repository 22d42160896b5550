import type { Clock } from './types.js';

export interface ControllableClock extends Clock {
  /** Moves the double's time forward and fires the timers that fall due. */
  advance(ms: number): void;
  /** Cancels every pending timer (used on stop). */
  cancelAll(): void;
}

export interface ClockOptions {
  /** How many double-milliseconds pass per real millisecond (default 1). */
  speed?: number;
  /** When true, time only moves through `advance` (for deterministic tests). */
  manual?: boolean;
  /** Start time in epoch milliseconds (default: the real time now). */
  startAt?: number;
}

interface PendingTimer {
  atMs: number;
  fn: () => void;
  handle: NodeJS.Timeout | undefined;
}

/**
 * Real time, optionally sped up, or manual time. Timers are scheduled on the double's clock:
 * with speed 60, a timer one minute ahead fires after one real second.
 */
export function createClock(options: ClockOptions = {}): ControllableClock {
  const speed = options.speed ?? 1;
  if (!(speed > 0)) throw new Error('clock speed must be positive');
  const manual = options.manual ?? false;
  const realStart = Date.now();
  const start = options.startAt ?? realStart;
  let offset = 0;
  const timers = new Set<PendingTimer>();

  const now = (): number => {
    const elapsed = manual ? 0 : (Date.now() - realStart) * speed;
    return Math.floor(start + elapsed + offset);
  };

  const fire = (timer: PendingTimer): void => {
    if (!timers.delete(timer)) return;
    if (timer.handle) clearTimeout(timer.handle);
    timer.fn();
  };

  const arm = (timer: PendingTimer): void => {
    if (timer.handle) clearTimeout(timer.handle);
    timer.handle = undefined;
    if (manual) return;
    const delayReal = Math.max(0, (timer.atMs - now()) / speed);
    // setTimeout caps at ~24.8 days; re-arm when a longer timer wakes up early.
    const capped = Math.min(delayReal, 2 ** 31 - 1);
    timer.handle = setTimeout(() => {
      if (now() >= timer.atMs) fire(timer);
      else arm(timer);
    }, capped);
    timer.handle.unref();
  };

  return {
    now,
    setTimer(atMs, fn) {
      const timer: PendingTimer = { atMs, fn, handle: undefined };
      timers.add(timer);
      arm(timer);
      return () => {
        timers.delete(timer);
        if (timer.handle) clearTimeout(timer.handle);
      };
    },
    advance(ms) {
      offset += ms;
      const due = [...timers].filter((t) => t.atMs <= now()).sort((a, b) => a.atMs - b.atMs);
      for (const t of due) fire(t);
      for (const t of timers) arm(t);
    },
    cancelAll() {
      for (const t of timers) if (t.handle) clearTimeout(t.handle);
      timers.clear();
    },
  };
}
