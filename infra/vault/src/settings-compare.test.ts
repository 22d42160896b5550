import { describe, expect, it } from 'vitest';
import { differingFields, durationSeconds } from './settings-compare.js';

describe('durationSeconds', () => {
  it.each([
    ['30m', 1800],
    ['1h30m', 5400],
    ['90', 90],
    [90, 90],
    ['87600h', 315_360_000],
  ])('when given %s, then it is %d seconds', (input, seconds) => {
    expect(durationSeconds(input)).toBe(seconds);
  });

  it('when given text that is not a duration, then it is undefined', () => {
    expect(durationSeconds('soon')).toBeUndefined();
    expect(durationSeconds('1h-')).toBeUndefined();
  });
});

describe('differingFields', () => {
  it('when Vault reports the same settings in its own form, then nothing differs', () => {
    const desired = {
      values: { token_period: '30m', bound_audiences: ['vault.io'], vhosts: '{"/":{"read":""}}' },
      rules: {
        token_period: { kind: 'duration' as const },
        bound_audiences: { kind: 'set' as const },
        vhosts: { kind: 'json' as const },
      },
    };
    const current = {
      token_period: 1800,
      bound_audiences: 'vault.io',
      vhosts: { '/': { read: '' } },
    };
    expect(differingFields(desired, current)).toEqual([]);
  });

  it('when a value changed, then that field is reported and write-only fields are not', () => {
    const desired = {
      values: { default_ttl: '1h', password: 'new', db_name: 'a' },
      rules: { default_ttl: { kind: 'duration' as const } },
      writeOnly: ['password'],
    };
    expect(differingFields(desired, { default_ttl: 60, db_name: 'a' })).toEqual(['default_ttl']);
  });

  it('when a list order differs, then a set field matches and an ordered list does not', () => {
    const current = { a: ['y', 'x'], b: ['y', 'x'] };
    const desired = {
      values: { a: ['x', 'y'], b: ['x', 'y'] },
      rules: { a: { kind: 'set' as const }, b: { kind: 'list' as const } },
    };
    expect(differingFields(desired, current)).toEqual(['b']);
  });

  it('when the server does not carry a field, then it is not counted as a difference', () => {
    expect(differingFields({ values: { user_claim_json_pointer: true } }, {})).toEqual([]);
  });
});
