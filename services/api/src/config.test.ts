import { ConfigError, configProblems, documentConfig, loadConfig } from '@flowstack/config';
import { SERVICE_VAULT_NAMES } from '@flowstack/vault/paths';
import { describe, expect, it } from 'vitest';
import { apiConfigSchema } from './config.js';

const problemKeys = (env: Record<string, string>) =>
  configProblems(apiConfigSchema, env).map((p) => p.key);

describe('the api config', () => {
  it('when the environment is empty, then every key takes its documented default', () => {
    const config = loadConfig('api', apiConfigSchema, {});
    expect(config.PORT).toBe(3000);
    expect(config.ACCEPT_ORDERS).toBe(true);
    expect(config.REDIS_KEY_PREFIX).toBe('flowstack:api:');
    expect(config.TLS_PKI_PATH).toBe('pki_int/issue/flowstack-api');
  });

  it('when the defaults name Vault roles, then they are the roles of the registry', () => {
    const config = loadConfig('api', apiConfigSchema, {});
    const names = SERVICE_VAULT_NAMES.api;
    expect(config.VAULT_POSTGRES_CREDS_PATH).toBe(`database/creds/${names.postgresRole}`);
    expect(config.VAULT_REDIS_CREDS_PATH).toBe(`database/creds/${names.redisRole}`);
    expect(config.VAULT_RABBITMQ_CREDS_PATH).toBe(`rabbitmq/creds/${names.rabbitmqRole}`);
  });

  it('when keys are invalid, then loading fails listing each key with its description', () => {
    let thrown: unknown;
    try {
      loadConfig('api', apiConfigSchema, { PORT: 'eighty', ACCEPT_ORDERS: 'maybe' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems.map((p) => p.key).sort()).toEqual([
      'ACCEPT_ORDERS',
      'PORT',
    ]);
    expect((thrown as ConfigError).message).toContain('HTTP port of the API');
  });

  it('when the idle cut is longer than the headers timeout, or headers longer than the request timeout, then start-up fails naming the key', () => {
    // The shipped values before: a silent socket was held until about headers + idle.
    expect(
      problemKeys({ HTTP_IDLE_CONNECTION_TIMEOUT_MS: '10000', HTTP_HEADERS_TIMEOUT_MS: '5000' }),
    ).toEqual(['HTTP_IDLE_CONNECTION_TIMEOUT_MS']);
    expect(
      problemKeys({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_IDLE_CONNECTION_TIMEOUT_MS: '1000' }),
    ).toEqual(['HTTP_HEADERS_TIMEOUT_MS']);
  });

  it('when a shared check fails (TLS without its CA, a Vault login without its input), then the api schema fails too', () => {
    expect(problemKeys({ REDIS_TLS: 'true' })).toEqual(['REDIS_TLS_CA_FILE']);
    expect(problemKeys({ VAULT_AUTH_METHOD: 'jwt' })).toEqual(['VAULT_JWT_FILE']);
  });

  it('when documented, then every key has a description', () => {
    for (const doc of documentConfig(apiConfigSchema)) {
      expect(doc.description, doc.key).not.toBe('');
    }
  });
});
