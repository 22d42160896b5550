import { describe, expect, it } from 'vitest';
import { parseLoadtestArgs, parsePostgresUrl } from './args.js';

describe('loadtest arguments', () => {
  it('when none are given, then the local stack, mixed, 10 s, 10 connections, closed model are the defaults', () => {
    expect(parseLoadtestArgs([])).toEqual({
      target: undefined,
      scenario: 'mixed',
      durationSeconds: 10,
      connections: 10,
      rate: undefined,
      pg: undefined,
      json: false,
      noVault: false,
    });
  });

  it('when a target, scenario and rate are given, then they are used', () => {
    const args = parseLoadtestArgs([
      '--target',
      'http://127.0.0.1:8080',
      '--scenario',
      'write',
      '--duration',
      '30',
      '--connections',
      '4',
      '--rate',
      '250',
    ]);
    expect(args).toMatchObject({
      target: 'http://127.0.0.1:8080',
      scenario: 'write',
      durationSeconds: 30,
      connections: 4,
      rate: 250,
    });
  });

  it('when the scenario, a number or the target is wrong, then a usage error names it', () => {
    expect(() => parseLoadtestArgs(['--scenario', 'delete'])).toThrow(
      expect.objectContaining({ code: 'usage' }),
    );
    expect(() => parseLoadtestArgs(['--rate', '-5'])).toThrow(/--rate/);
    expect(() => parseLoadtestArgs(['--target', 'not a url'])).toThrow(/--target/);
    expect(() => parseLoadtestArgs(['--unknown'])).toThrow(
      expect.objectContaining({ code: 'usage' }),
    );
  });

  it('when a postgres URL is given, then its parts are read and a password stays optional', () => {
    expect(parsePostgresUrl('postgres://app:s3cret@db.local:6543/shop')).toEqual({
      host: 'db.local',
      port: 6543,
      database: 'shop',
      user: 'app',
      password: 's3cret',
    });
    expect(parsePostgresUrl('postgresql://127.0.0.1/flowstack')).toEqual({
      host: '127.0.0.1',
      port: 5432,
      database: 'flowstack',
      user: 'postgres',
    });
    expect(() => parsePostgresUrl('mysql://x/y')).toThrow(
      expect.objectContaining({ code: 'usage' }),
    );
  });
});
