import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { captureLogger, eventually, uniqueName } from '@flowstack/test-kit';
import { startTarget, type Target } from '../test/target.js';
import { discoverService } from './discovery.js';
import { discoverServiceByDns, resolveServiceByDns } from './dns-discovery.js';

let target: Target;
const { logger } = captureLogger('consul-test');

beforeAll(async () => {
  target = await startTarget(logger);
});
afterAll(async () => {
  await target.stop();
});

/** A dependency registered the way the local stack does: a TTL check marked passing. */
async function registerDependency(name: string, id: string, port: number, passing = true) {
  await target.client.registerService({
    name,
    id,
    address: '127.0.0.1',
    port,
    checkId: `${id}-alive`,
    check: { ttl: '10m', deregisterCriticalServiceAfter: '1h' },
  });
  onTestFinished(() => target.client.deregisterService(id));
  await target.client.updateTtlCheck(`${id}-alive`, passing ? 'pass' : 'fail', 'test');
}

describe('discoverService', () => {
  it('when the dependency is re-registered on another port, then the source moves to it', async () => {
    const name = uniqueName('redis');
    await registerDependency(name, `${name}-a`, 16379);
    const discovered = await discoverService(target.client, name, { logger });
    onTestFinished(() => discovered.close());
    expect(discovered.current()).toEqual({ host: '127.0.0.1', port: 16379 });
    const moves: number[] = [];
    discovered.onMove((next) => {
      moves.push(next.port);
    });

    await target.client.deregisterService(`${name}-a`);
    await registerDependency(name, `${name}-b`, 16380);

    await eventually(
      () => discovered.current().port,
      (port) => port === 16380,
    );
    expect(moves).toEqual([16380]);
  });

  it('when another instance joins, then it stays on the one it uses; when that one fails, it moves', async () => {
    const name = uniqueName('postgres');
    await registerDependency(name, `${name}-a`, 15432);
    const discovered = await discoverService(target.client, name, { logger });
    onTestFinished(() => discovered.close());
    await registerDependency(name, `${name}-0`, 15433);
    await eventually(
      () => discovered.instances().length,
      (count) => count === 2,
    );
    expect(discovered.current().port).toBe(15432);

    await target.client.updateTtlCheck(`${name}-a-alive`, 'fail', 'down');
    await eventually(
      () => discovered.current().port,
      (port) => port === 15433,
    );
  });

  it('when several instances are healthy, then every one is a candidate, the one in use first', async () => {
    const name = uniqueName('rabbitmq');
    await registerDependency(name, `${name}-b`, 15673);
    const discovered = await discoverService(target.client, name, { logger });
    onTestFinished(() => discovered.close());
    await registerDependency(name, `${name}-a`, 15672);
    await registerDependency(name, `${name}-c`, 15674, false);
    await eventually(
      () => discovered.candidates?.().map((address) => address.port),
      (ports) => ports?.length === 2,
    );
    expect(discovered.candidates?.().map((address) => address.port)).toEqual([15673, 15672]);
  });

  it('when no instance is healthy, then discovery fails after the timeout with a 503 error', async () => {
    const name = uniqueName('rabbitmq');
    await registerDependency(name, `${name}-a`, 15672, false);
    await expect(discoverService(target.client, name, { logger, timeoutMs: 500 })).rejects.toThrow(
      /no healthy instance/,
    );
  });
});

describe('DNS mode', () => {
  it('when asked for SRV records, then DNS gives the same instances as the passing HTTP query', async (context) => {
    if (target.dns === undefined) context.skip();
    const dns = target.dns!;
    const name = uniqueName('rabbitmq');
    await registerDependency(name, `${name}-a`, 25672);
    await registerDependency(name, `${name}-b`, 25673);
    await registerDependency(name, `${name}-c`, 25674, false);

    const overHttp = (await target.client.healthyInstances(name))
      .map((i) => `${i.host}:${i.port}`)
      .sort();
    const overDns = (await resolveServiceByDns(name, dns)).map((i) => `${i.host}:${i.port}`).sort();

    expect(overHttp).toEqual(['127.0.0.1:25672', '127.0.0.1:25673']);
    expect(overDns).toEqual(overHttp);
  });

  it('when the dependency moves, then DNS discovery follows it too', async (context) => {
    if (target.dns === undefined) context.skip();
    const name = uniqueName('redis');
    await registerDependency(name, `${name}-a`, 26379);
    const discovered = await discoverServiceByDns(name, {
      server: target.dns!,
      logger,
      intervalMs: 100,
    });
    onTestFinished(() => discovered.close());
    expect(discovered.current()).toEqual({ host: '127.0.0.1', port: 26379 });

    await target.client.deregisterService(`${name}-a`);
    await registerDependency(name, `${name}-b`, 26380);
    await eventually(
      () => discovered.current().port,
      (port) => port === 26380,
    );
  });
});
