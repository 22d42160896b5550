import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { commonConfigSchema } from './common-schema.js';

const caFile = join(mkdtempSync(join(tmpdir(), 'flowstack-config-')), 'ca.pem');
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');

describe('TLS keys of the data stores', () => {
  it('when nothing is set, then TLS is off and the server names are the Consul service names', () => {
    const config = loadConfig('worker', commonConfigSchema, {});
    expect([config.POSTGRES_TLS, config.REDIS_TLS, config.RABBITMQ_TLS]).toEqual([
      false,
      false,
      false,
    ]);
    expect(config.POSTGRES_TLS_SERVER_NAME).toBe('postgres.service.consul');
    expect(config.REDIS_TLS_SERVER_NAME).toBe('redis.service.consul');
    expect(config.RABBITMQ_TLS_SERVER_NAME).toBe('rabbitmq.service.consul');
  });

  it('when TLS is on without a CA file, then start-up fails naming the key', () => {
    expect(() => loadConfig('migrate', commonConfigSchema, { REDIS_TLS: 'true' })).toThrow(
      /REDIS_TLS_CA_FILE: required when REDIS_TLS is true/,
    );
  });

  it('when the CA file cannot be read, then start-up fails naming the key', () => {
    expect(() =>
      loadConfig('api', commonConfigSchema, {
        POSTGRES_TLS: 'true',
        POSTGRES_TLS_CA_FILE: `${caFile}.missing`,
      }),
    ).toThrow(/POSTGRES_TLS_CA_FILE: not a readable file/);
  });

  it('when TLS is on with a readable CA file, then the config carries both', () => {
    const config = loadConfig('api', commonConfigSchema, {
      POSTGRES_TLS: 'true',
      POSTGRES_TLS_CA_FILE: caFile,
      POSTGRES_TLS_SERVER_NAME: 'db.example.internal',
    });
    expect(config.POSTGRES_TLS).toBe(true);
    expect(config.POSTGRES_TLS_CA_FILE).toBe(caFile);
    expect(config.POSTGRES_TLS_SERVER_NAME).toBe('db.example.internal');
  });
});
