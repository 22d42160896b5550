import { captureLogger } from '@flowstack/test-kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRateLimitedWarn } from './rate-limited-log.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createRateLimitedWarn', () => {
  it('when a kind of line repeats within the interval, then it is printed once with the count held back', () => {
    vi.useFakeTimers();
    const { logger, lines } = captureLogger('cache-test');
    const warn = createRateLimitedWarn(logger, 100);
    for (let i = 0; i < 5; i += 1) warn('connection', {}, 'redis down');
    warn('corrupt', {}, 'bad value');
    vi.advanceTimersByTime(150);
    warn('connection', {}, 'redis down');

    const parsed = lines.map(
      (line) => JSON.parse(line) as { msg: string; suppressedSinceLast: number },
    );
    expect(parsed.map((line) => [line.msg, line.suppressedSinceLast])).toEqual([
      ['redis down', 0],
      ['bad value', 0],
      ['redis down', 4],
    ]);
  });
});
