import { describe, expect, it } from 'vitest';
import { ConfigError, documentConfig, loadConfig, renderConfigTable } from './load-config.js';
import { apiConfigSchema, workerConfigSchema } from './service-schemas.js';

describe('loadConfig', () => {
  it('when the environment is empty, then every key takes its documented default', () => {
    const config = loadConfig('api', apiConfigSchema, {});
    expect(config.PORT).toBe(3000);
    expect(config.ACCEPT_ORDERS).toBe(true);
    expect(config.POSTGRES_PASSWORD).toBeUndefined();
  });

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

  it('when keys are invalid, then it fails listing each key with its description', () => {
    let thrown: unknown;
    try {
      loadConfig('api', apiConfigSchema, { PORT: 'eighty', ACCEPT_ORDERS: 'maybe' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.problems.map((p) => p.key).sort()).toEqual(['ACCEPT_ORDERS', 'PORT']);
    expect(error.message).toContain('HTTP port of the API');
  });

  it('when the idle cut is longer than the headers timeout, or headers longer than the request timeout, then start-up fails naming the key', () => {
    const keysOf = (env: Record<string, string>) => {
      try {
        loadConfig('api', apiConfigSchema, env);
      } catch (error) {
        return (error as ConfigError).problems.map((p) => p.key);
      }
      return [];
    };
    // The shipped values before: a silent socket was held until about headers + idle.
    expect(
      keysOf({ HTTP_IDLE_CONNECTION_TIMEOUT_MS: '10000', HTTP_HEADERS_TIMEOUT_MS: '5000' }),
    ).toEqual(['HTTP_IDLE_CONNECTION_TIMEOUT_MS']);
    expect(
      keysOf({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_IDLE_CONNECTION_TIMEOUT_MS: '1000' }),
    ).toEqual(['HTTP_HEADERS_TIMEOUT_MS']);
    expect(keysOf({})).toEqual([]);
  });

  it('when a secret key is invalid, then its value is not echoed', () => {
    expect(() =>
      loadConfig('worker', workerConfigSchema, { WORKER_RETRY_DELAYS_MS: 'hunter2' }),
    ).toThrow(/WORKER_RETRY_DELAYS_MS/);
    try {
      loadConfig('worker', workerConfigSchema, { WORKER_RETRY_DELAYS_MS: 'hunter2' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});

describe('RabbitMQ cluster keys', () => {
  it('when RABBITMQ_QUEUE_TYPE is unset, then queues are quorum; classic is accepted, others fail', () => {
    expect(loadConfig('worker', workerConfigSchema, {}).RABBITMQ_QUEUE_TYPE).toBe('quorum');
    expect(
      loadConfig('api', apiConfigSchema, { RABBITMQ_QUEUE_TYPE: 'classic' }).RABBITMQ_QUEUE_TYPE,
    ).toBe('classic');
    expect(() =>
      loadConfig('worker', workerConfigSchema, { RABBITMQ_QUEUE_TYPE: 'stream' }),
    ).toThrow(/RABBITMQ_QUEUE_TYPE/);
  });

  it('when RABBITMQ_HOSTS lists nodes, then they parse in order, IPv6 bracketed', () => {
    const config = loadConfig('worker', workerConfigSchema, {
      RABBITMQ_HOSTS: ' rabbit-1:5672, 10.0.0.2:5673 ,[::1]:5674',
    });
    expect(config.RABBITMQ_HOSTS).toEqual([
      { host: 'rabbit-1', port: 5672 },
      { host: '10.0.0.2', port: 5673 },
      { host: '::1', port: 5674 },
    ]);
    expect(loadConfig('worker', workerConfigSchema, {}).RABBITMQ_HOSTS).toBeUndefined();
    expect(loadConfig('worker', workerConfigSchema, { RABBITMQ_HOSTS: '' }).RABBITMQ_HOSTS).toBe(
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
      loadConfig('api', apiConfigSchema, { RABBITMQ_HOSTS: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems.map((p) => p.key)).toEqual(['RABBITMQ_HOSTS']);
  });
});

describe('documentConfig', () => {
  it.each([
    ['api', apiConfigSchema],
    ['worker', workerConfigSchema],
  ])('when documenting the %s schema, then every key has a description', (_name, schema) => {
    const docs = documentConfig(schema);
    expect(docs.length).toBeGreaterThan(10);
    for (const doc of docs) expect(doc.description, doc.key).not.toBe('');
  });

  it('when rendering, then secrets show no default and defaults are shown', () => {
    const table = renderConfigTable(apiConfigSchema);
    expect(table).toMatch(/^\| `PORT` +\| `3000` +\|/m);
    expect(table).toMatch(/^\| `POSTGRES_PASSWORD` +\| \(unset\) +\|/m);
  });
});
