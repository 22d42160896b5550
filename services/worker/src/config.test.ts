import { configProblems, documentConfig, loadConfig } from '@flowstack/config';
import { SERVICE_VAULT_NAMES } from '@flowstack/vault/paths';
import { describe, expect, it } from 'vitest';
import { workerConfigSchema } from './config.js';

const problemKeys = (env: Record<string, string>) =>
  configProblems(workerConfigSchema, env).map((p) => p.key);

describe('the worker config', () => {
  it('when values are given as strings, then they are coerced to their types', () => {
    const config = loadConfig('worker', workerConfigSchema, {
      HEALTH_PORT: '0',
      WORKER_RETRY_DELAYS_MS: '10, 20,30',
      WORKER_PREFETCH: '4',
    });
    expect(config.HEALTH_PORT).toBe(0);
    expect(config.WORKER_RETRY_DELAYS_MS).toEqual([10, 20, 30]);
    expect(config.WORKER_PREFETCH).toBe(4);
  });

  it('when the defaults name Vault roles and the Redis prefix, then they are those of the registry', () => {
    const config = loadConfig('worker', workerConfigSchema, {});
    const names = SERVICE_VAULT_NAMES.worker;
    expect(config.VAULT_POSTGRES_CREDS_PATH).toBe(`database/creds/${names.postgresRole}`);
    expect(config.VAULT_REDIS_CREDS_PATH).toBe(`database/creds/${names.redisRole}`);
    expect(config.VAULT_RABBITMQ_CREDS_PATH).toBe(`rabbitmq/creds/${names.rabbitmqRole}`);
    expect(config.REDIS_KEY_PREFIX).toBe('flowstack:worker:');
  });

  it('when a shared check fails (TLS without its CA, a Vault login without its input), then the worker schema fails too', () => {
    expect(problemKeys({ RABBITMQ_TLS: 'true' })).toEqual(['RABBITMQ_TLS_CA_FILE']);
    expect(problemKeys({ VAULT_AUTH_METHOD: 'approle' })).toEqual(['VAULT_APPROLE_ROLE_ID']);
  });

  it('when documented, then every key has a description', () => {
    for (const doc of documentConfig(workerConfigSchema)) {
      expect(doc.description, doc.key).not.toBe('');
    }
  });
});
