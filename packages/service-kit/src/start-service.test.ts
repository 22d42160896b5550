import { commonConfigSchema, loadConfig } from '@flowstack/config';
import { startConsulDouble } from '@flowstack/consul-double';
import { captureLogger, closedPort } from '@flowstack/test-kit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startService } from './start-service.js';

/** The steps the lifecycle logged as `event` ('started' or 'stopped'), in order. */
function steps(entries: Record<string, unknown>[], event: string): unknown[] {
  return entries.filter((entry) => entry.msg === event).map((entry) => entry.step);
}

describe('startService', () => {
  it('when PostgreSQL is unreachable, then the Consul steps already started stop in reverse and the error is rethrown', async () => {
    const consul = await startConsulDouble({ port: 0, dnsPort: 0 });
    onTestFinished(() => consul.stop());
    const log = captureLogger('worker');
    const config = loadConfig('worker', commonConfigSchema, {
      CONSUL_HTTP_ADDR: consul.url,
      CONSUL_LIVE_CONFIG: 'true',
      POSTGRES_PORT: String(await closedPort()),
    });
    let ownStepsRan = false;

    const started = startService(
      {
        service: 'worker',
        config,
        schema: commonConfigSchema,
        logger: log.logger,
        defaultMetrics: false,
        startupTimeoutMs: 200,
      },
      () => {
        ownStepsRan = true;
        return Promise.resolve({ url: 'http://127.0.0.1:1' });
      },
    );

    await expect(started).rejects.toThrow(/PostgreSQL is not reachable/);
    expect(ownStepsRan).toBe(false);
    expect(steps(log.entries(), 'started')).toEqual(['consul', 'live-config']);
    expect(steps(log.entries(), 'stopped')).toEqual(['live-config', 'consul']);
  });

  it('when the service has no schema, then nothing talks to Consul even with CONSUL_LIVE_CONFIG on', async () => {
    const log = captureLogger('sample');
    const config = loadConfig('sample', commonConfigSchema, {
      CONSUL_HTTP_ADDR: `http://127.0.0.1:${await closedPort()}`,
      CONSUL_LIVE_CONFIG: 'true',
      POSTGRES_PORT: String(await closedPort()),
    });

    const started = startService(
      {
        service: 'sample',
        config,
        logger: log.logger,
        defaultMetrics: false,
        startupTimeoutMs: 200,
      },
      () => Promise.resolve({}),
    );

    await expect(started).rejects.toThrow(/PostgreSQL is not reachable/);
    expect(steps(log.entries(), 'started')).toEqual([]);
  });
});
