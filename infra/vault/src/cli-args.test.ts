import { describe, expect, it } from 'vitest';
import { BootstrapError } from './bootstrap-error.js';
import { templatedPostgresUrl } from './bootstrap-options.js';
import { parseCliArgs } from './cli-args.js';

describe('parseCliArgs', () => {
  it('when given URLs with credentials, then it splits them into targets without keeping them in URLs', () => {
    const { options } = parseCliArgs(
      [
        '--address',
        'http://127.0.0.1:8200',
        '--token',
        't',
        '--postgres-url',
        'postgresql://admin:s3cret@db:5432/flowstack',
        '--redis',
        'redis://default:pw@cache:6380',
        '--rabbitmq-management-url',
        'http://admin:mq@broker:15672/',
        '--nomad-jwks-url',
        'http://nomad:4646/.well-known/jwks.json',
      ],
      {},
    );
    expect(options.redis).toEqual({
      host: 'cache',
      port: 6380,
      username: 'default',
      password: 'pw',
    });
    expect(options.rabbitmq).toEqual({
      managementUrl: 'http://broker:15672',
      username: 'admin',
      password: 'mq',
    });
    expect(options.jwt).toEqual({ jwksUrl: 'http://nomad:4646/.well-known/jwks.json' });
    const vaultSide = templatedPostgresUrl(options.postgres!);
    expect(vaultSide.connectionUrl).toBe(
      'postgresql://{{username}}:{{password}}@db:5432/flowstack?sslmode=disable',
    );
    expect(vaultSide.connectionUrl).not.toContain('s3cret');
  });

  it('when address and token are missing, then VAULT_ADDR and VAULT_TOKEN are used', () => {
    const { options } = parseCliArgs([], { VAULT_ADDR: 'http://v:8200', VAULT_TOKEN: 'root' });
    expect([options.address, options.token, options.postgres]).toEqual([
      'http://v:8200',
      'root',
      undefined,
    ]);
  });

  it('when there is no token at all, then it fails with the usage text', () => {
    expect(() => parseCliArgs(['--address', 'http://v:8200'], {})).toThrow(BootstrapError);
  });

  it('when a Redis URL has no password, then it explains what Vault needs', () => {
    expect(() =>
      parseCliArgs(['--address', 'a', '--token', 't', '--redis', 'redis://cache:6379'], {}),
    ).toThrow(/needs redis:\/\/<user>:<password>/);
  });
});
