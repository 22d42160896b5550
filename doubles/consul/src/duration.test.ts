import { describe, expect, it } from 'vitest';
import { formatDuration, parseDurationMs, requireDurationMs } from './duration.js';

describe('parseDurationMs', () => {
  it('when given Go duration strings, then returns milliseconds', () => {
    expect(parseDurationMs('10s')).toBe(10_000);
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('1.5h')).toBe(5_400_000);
    expect(parseDurationMs('0')).toBe(0);
  });

  it('when given a JSON number, then reads it as nanoseconds', () => {
    expect(parseDurationMs(2_000_000_000)).toBe(2000);
  });

  it('when the text is not a duration, then returns undefined', () => {
    expect(parseDurationMs('10')).toBeUndefined();
    expect(parseDurationMs('ten seconds')).toBeUndefined();
    expect(parseDurationMs('10s junk')).toBeUndefined();
  });

  it('when a required duration is malformed, then it is a 400', () => {
    expect(() => requireDurationMs('soon', 'TTL')).toThrow(/Invalid duration for TTL/);
    expect(requireDurationMs(undefined, 'TTL')).toBeUndefined();
  });

  it('when formatting, then prints like Go', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(500)).toBe('500ms');
  });
});
