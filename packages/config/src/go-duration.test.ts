import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGoDuration } from './go-duration.js';

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['500ms', 500],
    ['.5s', 500],
    ['1.s', 1_000],
    ['2h45m0.5s', 9_900_500],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['1500μs', 1.5],
    ['1000000ns', 1],
  ])('when given %s, then it is %d ms, as Go reads it', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', ' ', '10', '1 s', 's', '.s', '1.5', '-1s', '+1s', '1x', '1s ', '1hh', '1d'])(
    'when given %j, then it is not a duration (Go rejects it too)',
    (text) => {
      expect(parseGoDuration(text)).toBeUndefined();
    },
  );

  it('when days are allowed (Vault), then 7d is a week and it combines with other units', () => {
    expect(parseGoDuration('7d', { days: true })).toBe(7 * 86_400_000);
    expect(parseGoDuration('1d12h', { days: true })).toBe(36 * 3_600_000);
  });

  it('when any sequence of elements is written, then the sum of its parts comes back', () => {
    const units = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.nat({ max: 10_000 }),
            fc.constantFrom(...(Object.keys(units) as (keyof typeof units)[])),
          ),
          { minLength: 1, maxLength: 5 },
        ),
        (parts) => {
          const text = parts.map(([n, unit]) => `${n}${unit}`).join('');
          const expected = parts.reduce((sum, [n, unit]) => sum + n * units[unit], 0);
          expect(parseGoDuration(text)).toBe(expected);
        },
      ),
    );
  });

  it('when given arbitrary text, then it never throws and answers a finite non-negative number or nothing', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const ms = parseGoDuration(text);
        expect(ms === undefined || (Number.isFinite(ms) && ms >= 0)).toBe(true);
      }),
    );
  });
});
