import { describe, expect, it } from 'vitest';
import { distributionOf } from './percentiles.js';

describe('distributionOf', () => {
  it('when given 1..1000, then nearest-rank percentiles and the max come out', () => {
    const values = Array.from({ length: 1000 }, (_, index) => 1000 - index);
    expect(distributionOf(values)).toEqual({
      count: 1000,
      mean: 500.5,
      p50: 500,
      p90: 900,
      p99: 990,
      p99_9: 999,
      max: 1000,
    });
  });

  it('when the sample is empty, then everything is zero', () => {
    expect(distributionOf([])).toMatchObject({ count: 0, p99: 0, max: 0 });
  });
});
