import { describe, expect, it } from 'vitest';
import { Fields } from './body-fields.js';
import { ChangeIndex } from './change-index.js';
import { ConfigEntries, intentionPrecedence } from './config-entries.js';

const body = (value: unknown) => new Fields(value, 'config entry');

describe('intentionPrecedence', () => {
  it('when source and destination are exact or wildcard, then precedence follows Consul', () => {
    expect(intentionPrecedence('web', 'api')).toBe(9);
    expect(intentionPrecedence('*', 'api')).toBe(8);
    expect(intentionPrecedence('web', '*')).toBe(6);
    expect(intentionPrecedence('*', '*')).toBe(5);
  });
});

describe('ConfigEntries', () => {
  it('when service-intentions are written, then sources get precedence and type', () => {
    const entries = new ConfigEntries(new ChangeIndex());
    entries.apply(
      body({
        Kind: 'service-intentions',
        Name: 'api',
        Sources: [
          { Name: 'web', Action: 'allow' },
          { Name: '*', Action: 'deny' },
        ],
      }),
    );
    expect(entries.get('service-intentions', 'api')?.Sources).toEqual([
      { Name: 'web', Action: 'allow', Precedence: 9, Type: 'consul' },
      { Name: '*', Action: 'deny', Precedence: 8, Type: 'consul' },
    ]);
  });

  it('when cas does not match, then nothing is written', () => {
    const entries = new ConfigEntries(new ChangeIndex());
    expect(entries.apply(body({ Kind: 'service-defaults', Name: 'a', Protocol: 'HTTP' }), 0)).toBe(
      true,
    );
    expect(entries.apply(body({ Kind: 'service-defaults', Name: 'a', Protocol: 'grpc' }), 0)).toBe(
      false,
    );
    const stored = entries.get('service-defaults', 'a')!;
    expect(stored.Protocol).toBe('http');
    expect(
      entries.apply(
        body({ Kind: 'service-defaults', Name: 'a', Protocol: 'grpc' }),
        stored.ModifyIndex,
      ),
    ).toBe(true);
    expect(entries.get('service-defaults', 'a')?.Protocol).toBe('grpc');
  });

  it('when the body is invalid, then a clear 400 names the problem', () => {
    const entries = new ConfigEntries(new ChangeIndex());
    expect(() => entries.apply(body({ Name: 'a' }))).toThrow(/kind\/Kind/);
    expect(() => entries.apply(body({ Kind: 'nonsense', Name: 'a' }))).toThrow(
      'invalid config entry kind: nonsense',
    );
    expect(() => entries.apply(body({ Kind: 'proxy-defaults', Name: 'global' }))).toThrow(
      /not implemented/,
    );
    expect(() => entries.apply(body({ Kind: 'service-defaults' }))).toThrow(/Name is required/);
    expect(() =>
      entries.apply(
        body({
          Kind: 'service-intentions',
          Name: 'api',
          Sources: [{ Name: 'web', Action: 'maybe' }],
        }),
      ),
    ).toThrow(/Action must be set to 'allow' or 'deny'/);
    expect(() =>
      entries.apply(
        body({
          Kind: 'service-intentions',
          Name: 'api',
          Sources: [
            { Name: 'web', Action: 'allow' },
            { Name: 'web', Action: 'deny' },
          ],
        }),
      ),
    ).toThrow(/more than once/);
  });
});
