import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('when the admin URLs and the token come from the environment, then nothing secret is needed on argv and no warning is given', () => {
    const command = parseCliArgs(['--address', 'http://v:8200'], {
      VAULT_TOKEN: 'root',
      VAULT_BOOTSTRAP_POSTGRES_URL: 'postgresql://admin:s3cret@db:5432/flowstack',
      VAULT_BOOTSTRAP_REDIS_URL: 'redis://admin:pw@cache:6379',
      VAULT_BOOTSTRAP_RABBITMQ_URL: 'http://admin:mq@broker:15672',
    });
    expect(command.warnings).toEqual([]);
    expect(command.options.redis?.password).toBe('pw');
    expect(command.options.rabbitmq?.username).toBe('admin');
    expect(command.options.postgres?.url).toContain('@db:5432/flowstack');
  });

  it('when a secret is given as a flag, then it still works and a warning names the variable to use', () => {
    const command = parseCliArgs(
      ['--address', 'a', '--token', 't', '--redis', 'redis://admin:pw@cache:6379'],
      {},
    );
    expect(command.options.redis?.password).toBe('pw');
    expect(command.warnings.join('\n')).toMatch(/VAULT_TOKEN[\s\S]*VAULT_BOOTSTRAP_REDIS_URL/);
    expect(command.warnings.join('\n')).not.toContain('pw@');
  });

  it('when a JWKS CA file is given, then its PEM becomes jwks_ca_pem; a file without a certificate is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-args-'));
    try {
      const ca = join(dir, 'ca.pem');
      writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const { options } = parseCliArgs(
        [
          '--address',
          'a',
          '--nomad-jwks-url',
          'https://n:4646/.well-known/jwks.json',
          '--nomad-jwks-ca-file',
          ca,
        ],
        { VAULT_TOKEN: 't' },
      );
      expect(options.jwt).toEqual({
        jwksUrl: 'https://n:4646/.well-known/jwks.json',
        caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      });
      const junk = join(dir, 'junk.pem');
      writeFileSync(junk, 'not a certificate');
      expect(() =>
        parseCliArgs(
          ['--address', 'a', '--nomad-jwks-url', 'https://n', '--nomad-jwks-ca-file', junk],
          {
            VAULT_TOKEN: 't',
          },
        ),
      ).toThrow(/holds no PEM certificate/);
      expect(() =>
        parseCliArgs(['--address', 'a', '--nomad-jwks-ca-file', ca], { VAULT_TOKEN: 't' }),
      ).toThrow(/needs --nomad-jwks-url/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when the default audit target is used, then it sits under the packaged data dir and a second device goes to stdout', () => {
    const { options } = parseCliArgs(['--address', 'a'], { VAULT_TOKEN: 't' });
    expect([options.auditFilePath, options.auditSecondPath]).toEqual([
      '/opt/vault/data/audit.log',
      'stdout',
    ]);
  });

  it('when a reserved namespace is named, then it is refused (the default template would reach kv/data/flowstack/)', () => {
    expect(() =>
      parseCliArgs(['--address', 'a', '--workload-namespace', 'flowstack'], { VAULT_TOKEN: 't' }),
    ).toThrow(/reserved/);
  });
  it("when given the worker's retry delays, then its RabbitMQ role is bounded to them; a bad list is refused", () => {
    const base = ['--address', 'http://127.0.0.1:8200', '--token', 't'];
    expect(
      parseCliArgs([...base, '--worker-retry-delays-ms', '200, 1000'], {}).options
        .workerRetryDelaysMs,
    ).toEqual([200, 1000]);
    expect(parseCliArgs(base, {}).options.workerRetryDelaysMs).toBeUndefined();
    expect(() => parseCliArgs([...base, '--worker-retry-delays-ms', '1s'], {})).toThrow(
      BootstrapError,
    );
  });
});
