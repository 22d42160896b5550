import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commonConfigSchema } from './common-schema.js';
import { msList, port } from './fields.js';
import { ConfigError, documentConfig, loadConfig, renderConfigTable } from './load-config.js';

const listSchema = z.object({
  HEALTH_PORT: port(3001, 'Port of the health server.'),
  RETRY_DELAYS_MS: msList('1000,5000', 'Delay before each retry.'),
});

describe('loadConfig', () => {
  it('when the environment is empty, then every key takes its documented default', () => {
    const config = loadConfig('migrate', commonConfigSchema, {});
    expect(config.POSTGRES_PORT).toBe(5432);
    expect(config.ORDERS_EXCHANGE_DECLARE).toBe(true);
    expect(config.POSTGRES_PASSWORD).toBeUndefined();
  });

  it('when values are given as strings, then they are coerced to their types', () => {
    const config = loadConfig('sample', listSchema, {
      HEALTH_PORT: '0',
      RETRY_DELAYS_MS: '10, 20,30',
    });
    expect(config.HEALTH_PORT).toBe(0);
    expect(config.RETRY_DELAYS_MS).toEqual([10, 20, 30]);
  });

  it('when keys are invalid, then it fails listing each key with its description', () => {
    let thrown: unknown;
    try {
      loadConfig('migrate', commonConfigSchema, {
        POSTGRES_PORT: 'eighty',
        ORDERS_EXCHANGE_DECLARE: 'maybe',
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.problems.map((p) => p.key).sort()).toEqual([
      'ORDERS_EXCHANGE_DECLARE',
      'POSTGRES_PORT',
    ]);
    expect(error.message).toContain('PostgreSQL port.');
  });

  it('when a secret key is invalid, then its value is not echoed', () => {
    expect(() => loadConfig('sample', listSchema, { RETRY_DELAYS_MS: 'hunter2' })).toThrow(
      /RETRY_DELAYS_MS/,
    );
    try {
      loadConfig('sample', listSchema, { RETRY_DELAYS_MS: 'hunter2' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});

describe('RabbitMQ cluster keys', () => {
  it('when RABBITMQ_QUEUE_TYPE is unset, then queues are quorum; classic is accepted, others fail', () => {
    expect(loadConfig('worker', commonConfigSchema, {}).RABBITMQ_QUEUE_TYPE).toBe('quorum');
    expect(
      loadConfig('api', commonConfigSchema, { RABBITMQ_QUEUE_TYPE: 'classic' }).RABBITMQ_QUEUE_TYPE,
    ).toBe('classic');
    expect(() =>
      loadConfig('worker', commonConfigSchema, { RABBITMQ_QUEUE_TYPE: 'stream' }),
    ).toThrow(/RABBITMQ_QUEUE_TYPE/);
  });

  it('when RABBITMQ_HOSTS lists nodes, then they parse in order, IPv6 bracketed', () => {
    const config = loadConfig('worker', commonConfigSchema, {
      RABBITMQ_HOSTS: ' rabbit-1:5672, 10.0.0.2:5673 ,[::1]:5674',
    });
    expect(config.RABBITMQ_HOSTS).toEqual([
      { host: 'rabbit-1', port: 5672 },
      { host: '10.0.0.2', port: 5673 },
      { host: '::1', port: 5674 },
    ]);
    expect(loadConfig('worker', commonConfigSchema, {}).RABBITMQ_HOSTS).toBeUndefined();
    expect(loadConfig('worker', commonConfigSchema, { RABBITMQ_HOSTS: '' }).RABBITMQ_HOSTS).toBe(
      undefined,
    );
  });

  it.each([
    ['rabbit-1', 'no port'],
    ['rabbit-1:0', 'port 0'],
    ['rabbit-1:70000', 'port out of range'],
    ['rabbit-1:5672,,rabbit-2:5672', 'an empty entry'],
    ['::1:5672', 'IPv6 without brackets'],
    ['rabbit-1:5672,rabbit-1:5672', 'a node twice'],
    ['amqp://rabbit-1:5672', 'a URL'],
  ])('when RABBITMQ_HOSTS is %j (%s), then start-up fails naming the key', (value) => {
    let thrown: unknown;
    try {
      loadConfig('api', commonConfigSchema, { RABBITMQ_HOSTS: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems.map((p) => p.key)).toEqual(['RABBITMQ_HOSTS']);
  });
});

describe('documentConfig', () => {
  it('when documenting the shared keys, then every key has a description', () => {
    const docs = documentConfig(commonConfigSchema);
    expect(docs.length).toBeGreaterThan(10);
    for (const doc of docs) expect(doc.description, doc.key).not.toBe('');
  });

  it('when rendering, then secrets show no default and defaults are shown', () => {
    const table = renderConfigTable(commonConfigSchema);
    expect(table).toMatch(/^\| `POSTGRES_PORT` +\| `5432` +\|/m);
    expect(table).toMatch(/^\| `POSTGRES_PASSWORD` +\| \(unset\) +\|/m);
  });
});
