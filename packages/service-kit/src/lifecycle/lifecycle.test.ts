import { describe, expect, it } from 'vitest';
import { createLifecycle } from './lifecycle.js';
import { createReadinessRegistry } from './readiness.js';

const silent = { info: () => undefined, error: () => undefined };

describe('createLifecycle', () => {
  it('when shutting down, then readiness goes false first and steps stop in reverse order', async () => {
    const lifecycle = createLifecycle({ logger: silent });
    const events: string[] = [];
    for (const name of ['db', 'queue', 'http']) {
      await lifecycle.step(name, () =>
        Promise.resolve({
          value: name,
          stop: async () => {
            const { ready } = await lifecycle.readiness.report();
            events.push(`${name}:${ready ? 'ready' : 'draining'}`);
          },
        }),
      );
    }
    expect((await lifecycle.readiness.report()).ready).toBe(true);
    await lifecycle.shutdown('test');
    expect(events).toEqual(['http:draining', 'queue:draining', 'db:draining']);
  });

  it('when shutdown is called twice, then stops run once', async () => {
    const lifecycle = createLifecycle({ logger: silent });
    let stops = 0;
    lifecycle.onStop('x', () => {
      stops += 1;
      return Promise.resolve();
    });
    await Promise.all([lifecycle.shutdown('a'), lifecycle.shutdown('b')]);
    expect(stops).toBe(1);
    expect(lifecycle.stopping).toBe(true);
  });

  it('when a stop fails or hangs, then the later stops still run', async () => {
    const lifecycle = createLifecycle({ logger: silent, stopTimeoutMs: 50 });
    const ran: string[] = [];
    lifecycle.onStop('first', () => {
      ran.push('first');
      return Promise.resolve();
    });
    lifecycle.onStop('hangs', () => new Promise(() => undefined));
    lifecycle.onStop('fails', () => Promise.reject(new Error('boom')));
    await lifecycle.shutdown('test');
    expect(ran).toEqual(['first']);
  });
});

describe('createReadinessRegistry', () => {
  it('when one check fails, then the report is not ready and names it', async () => {
    const readiness = createReadinessRegistry();
    readiness.register('postgres', () => Promise.resolve());
    readiness.register('redis', () => Promise.reject(new Error('connection refused')));
    const report = await readiness.report();
    expect(report.ready).toBe(false);
    expect(report.checks).toEqual({
      postgres: { ok: true, critical: true },
      redis: { ok: false, critical: true, error: 'connection refused' },
    });
  });

  it('when only a non-critical check fails, then the process stays ready and reports it', async () => {
    const readiness = createReadinessRegistry();
    readiness.register('postgres', () => Promise.resolve());
    readiness.register('redis', () => Promise.reject(new Error('down')), { critical: false });
    const report = await readiness.report();
    expect(report.ready).toBe(true);
    expect(report.checks.redis).toEqual({ ok: false, critical: false, error: 'down' });
  });

  it('when draining, then the process is not ready even though checks pass', async () => {
    const readiness = createReadinessRegistry();
    readiness.register('postgres', () => Promise.resolve());
    readiness.startDraining();
    expect(await readiness.report()).toMatchObject({ ready: false, draining: true });
  });

  it('when a check hangs, then it times out as failed', async () => {
    const readiness = createReadinessRegistry({ checkTimeoutMs: 30 });
    readiness.register('slow', () => new Promise(() => undefined));
    expect((await readiness.report()).checks.slow?.ok).toBe(false);
  });
});
