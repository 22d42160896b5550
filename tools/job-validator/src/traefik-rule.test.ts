import { describe, expect, it } from 'vitest';
import { parseTraefikRule } from './traefik-rule.js';

describe('parseTraefikRule', () => {
  it('when matchers are combined with && over ||, then && binds tighter', () => {
    expect(parseTraefikRule('Host(`a`) || PathPrefix(`/v1`) && !Header(`X-Canary`, `1`)')).toEqual({
      kind: 'or',
      left: { kind: 'matcher', name: 'Host', args: ['a'] },
      right: {
        kind: 'and',
        left: { kind: 'matcher', name: 'PathPrefix', args: ['/v1'] },
        right: {
          kind: 'not',
          operand: { kind: 'matcher', name: 'Header', args: ['X-Canary', '1'] },
        },
      },
    });
  });

  it.each([
    ['Host(`a`, `b`)', 'takes 1 argument'],
    ['Hots(`a`)', 'unknown matcher'],
    ['PathPrefix(`/v1`) &&', 'expected name'],
    ['(Host(`a`)', 'expected )'],
    ['Host(`a)', 'unterminated string'],
    ['Host(`a`) Path(`/`)', 'expected end'],
  ])('when the rule is %s, then it is rejected (%s)', (rule, message) => {
    expect(() => parseTraefikRule(rule)).toThrow(message);
  });
});
