import { commonConfigSchema, loadConfig } from '@flowstack/config';
import { startConsulDouble } from '@flowstack/consul-double';
import { testEnvironment } from '@flowstack/domain/testing';
import { captureLogger, uniqueName } from '@flowstack/test-kit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startService } from './start-service.js';

/** The steps the lifecycle logged as `event` ('started' or 'stopped'), in order. */
function steps(entries: Record<string, unknown>[], event: string): unknown[] {
  return entries.filter((entry) => entry.msg === event).map((entry) => entry.step);
}

// Only pinged: the maintenance database exists on every server, migrated or not.
const env = (overrides: Record<string, string> = {}) =>
  testEnvironment({ POSTGRES_DB: 'postgres', ...overrides });

describe('startService on real PostgreSQL, Redis and RabbitMQ', () => {
  it('when started with CONSUL_REGISTER, then the registration is the last step and the first to stop', async () => {
    const consul = await startConsulDouble({ port: 0, dnsPort: 0 });
    onTestFinished(() => consul.stop());
    const serviceId = uniqueName('start-service');
    const config = loadConfig(
      'worker',
      commonConfigSchema,
      env({
        CONSUL_HTTP_ADDR: consul.url,
        CONSUL_REGISTER: 'true',
        CONSUL_CHECK: 'ttl',
        CONSUL_SERVICE_ID: serviceId,
      }),
    );
    const registered = async () => {
      const response = await fetch(`${consul.url}/v1/agent/services`);
      return Object.keys((await response.json()) as Record<string, unknown>).includes(serviceId);
    };
    const log = captureLogger('worker');
    let registeredWhenOwnStepStopped: boolean | undefined;

    const running = await startService(
      {
        service: 'worker',
        config,
        schema: commonConfigSchema,
        logger: log.logger,
        defaultMetrics: false,
      },
      async ({ lifecycle }) => {
        await lifecycle.step('own', () =>
          Promise.resolve({
            value: undefined,
            stop: async () => {
              registeredWhenOwnStepStopped = await registered();
            },
          }),
        );
        return { url: 'http://127.0.0.1:4999' };
      },
    );
    expect(await registered()).toBe(true);
    await running.stop();

    expect(registeredWhenOwnStepStopped).toBe(false);
    expect(steps(log.entries(), 'stopped')).toEqual([
      'consul-registration',
      'own',
      'rabbitmq',
      'redis',
      'postgres',
      'consul',
    ]);
  });

  it("when the service's own steps fail, then every step stops in reverse and the error is rethrown", async () => {
    const config = loadConfig('worker', commonConfigSchema, env());
    const log = captureLogger('worker');

    const started = startService(
      { service: 'worker', config, logger: log.logger, defaultMetrics: false },
      async ({ lifecycle }) => {
        await lifecycle.step('own', () =>
          Promise.resolve({ value: undefined, stop: () => Promise.resolve() }),
        );
        throw new Error('own step failed');
      },
    );

    await expect(started).rejects.toThrow('own step failed');
    expect(steps(log.entries(), 'stopped')).toEqual(['own', 'rabbitmq', 'redis', 'postgres']);
  });
});
