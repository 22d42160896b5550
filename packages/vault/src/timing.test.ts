import { describe, expect, it } from 'vitest';
import { backoffDelayMs, renewAtFractionMs, renewDelayMs, retryDelayBeforeMs } from './timing.js';

describe('renewal timing', () => {
  it('when a secret lives 60 s, then it is renewed after 40 s', () => {
    expect(renewDelayMs(60)).toBe(40_000);
    expect(renewDelayMs(3)).toBe(2_000);
    expect(renewDelayMs(0)).toBe(0);
  });

  it('when a certificate lives from t0 to t0+90 s and 10 s passed, then renewal is due in 50 s', () => {
    const issued = new Date('2030-01-01T00:00:00Z');
    const expires = new Date('2030-01-01T00:01:30Z');
    const now = new Date('2030-01-01T00:00:10Z');
    expect(renewAtFractionMs(issued, expires, now)).toBe(50_000);
    expect(renewAtFractionMs(issued, expires, new Date('2030-01-01T00:02:00Z'))).toBe(0);
  });
});

describe('backoff', () => {
  it('when attempts repeat, then the ceiling doubles up to the maximum', () => {
    const top = () => 1;
    expect(
      [0, 1, 2, 3, 4, 10].map((n) => backoffDelayMs(n, { baseMs: 100, maxMs: 1_000 }, top)),
    ).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('when jitter is 0.5, then every delay lies between half the ceiling and the ceiling', () => {
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const ceiling = Math.min(30_000, 250 * 2 ** attempt);
      expect(backoffDelayMs(attempt, {}, () => 0)).toBe(ceiling / 2);
      expect(backoffDelayMs(attempt, {}, () => 0.999_999)).toBeLessThanOrEqual(ceiling);
      const random = backoffDelayMs(attempt);
      expect(random).toBeGreaterThanOrEqual(ceiling / 2);
      expect(random).toBeLessThanOrEqual(ceiling);
    }
  });

  it('when the secret expires soon, then a retry never sleeps past half the time left', () => {
    expect(retryDelayBeforeMs(10, 4_000, {}, () => 1)).toBe(2_000);
    expect(retryDelayBeforeMs(0, 60_000, { baseMs: 250 }, () => 1)).toBe(250);
    expect(retryDelayBeforeMs(3, -5, { baseMs: 100 }, () => 1)).toBe(800);
  });
});
