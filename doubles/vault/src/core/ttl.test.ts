import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './ttl.js';

describe('parseDuration', () => {
  it.each([
    ['30m', 1800],
    ['1h', 3600],
    ['1h30m', 5400],
    ['768h', 2764800],
    ['7d', 604800],
    ['90s', 90],
    ['1.5h', 5400],
    ['3600', 3600],
    [3600, 3600],
  ])('when given %j, then it is %d seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it('when empty or absent, then the fallback is used', () => {
    expect(parseDuration(undefined, 42)).toBe(42);
    expect(parseDuration('', 7)).toBe(7);
  });

  it.each(['1x', 'h', '10 m', '-5s', 'abc'])(
    'when given %j, then a 400 error is thrown',
    (input) => {
      expect(() => parseDuration(input)).toThrow(/invalid duration/);
    },
  );
});

describe('formatDuration', () => {
  it('formats like Go time.Duration', () => {
    expect(formatDuration(3600)).toBe('1h0m0s');
    expect(formatDuration(1800)).toBe('30m0s');
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(2764800)).toBe('768h0m0s');
  });
});
