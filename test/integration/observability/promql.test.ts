import { describe, expect, it } from 'vitest';
import { exportedNames, metricNames, PromqlError } from './promql.js';

describe('metricNames', () => {
  it('when an expression aggregates a histogram, then only the metric name is returned', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, route) (rate(flowstack_http_request_duration_seconds_bucket{status=~"5..",service="api"}[5m]))) > 0.5',
      ),
    ).toEqual(['flowstack_http_request_duration_seconds_bucket']);
  });

  it('when two vectors are combined with and/or, then both names are returned', () => {
    expect(
      metricNames('a_total > 1 and on (queue) deriv(b_depth[10m]) > 0 or up == 0').sort(),
    ).toEqual(['a_total', 'b_depth', 'up']);
  });

  it.each([
    ['sum(rate(x_total[5m])', /unclosed/],
    ['rate(x_total[5m]))', /unbalanced/],
    ['x_total{service}', /without a matcher/],
    ['x_total{service="api"', /unclosed/],
    ['rat(x_total[5m])', /unknown function rat/],
    ['x_total{service="api}', /unterminated string/],
    ['', /empty/],
  ])('when the expression is broken (%s), then it is refused', (expr, message) => {
    expect(() => metricNames(expr)).toThrow(PromqlError);
    expect(() => metricNames(expr)).toThrow(message);
  });
});

describe('exportedNames', () => {
  it('when a histogram is exported, then its series names are offered', () => {
    const names = exportedNames(
      '# HELP h help\n# TYPE h histogram\nh_bucket{le="1"} 0\n# TYPE c_total counter\n',
    );
    expect([...names].sort()).toEqual(['c_total', 'h', 'h_bucket', 'h_count', 'h_sum']);
  });
});
