import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { captureLogger, eventually, uniqueName } from '@flowstack/test-kit';
import { startTarget, type Target } from '../test/target.js';
import { watchLiveConfig } from './live-config.js';

let target: Target;

beforeAll(async () => {
  target = await startTarget(captureLogger('consul-test').logger);
});
afterAll(async () => {
  await target.stop();
});

const schema = z.object({
  ACCEPT_ORDERS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  CACHE_TTL_SECONDS: z.coerce.number().int().positive().default(60),
  PORT: z.coerce.number().int().default(3000),
});

function watch(prefix: string) {
  const { logger, lines } = captureLogger('consul-test');
  const config = schema.parse({});
  const live = watchLiveConfig({
    client: target.client,
    prefix,
    schema,
    liveKeys: ['ACCEPT_ORDERS', 'CACHE_TTL_SECONDS'],
    initial: { ...config },
    apply: (key, value) => {
      Object.assign(config, { [key]: value });
    },
    logger,
  });
  onTestFinished(() => live.stop());
  return { config, live, lines };
}

describe('watchLiveConfig', () => {
  it('when a key changes in KV, then the new value is applied within a second', async () => {
    const prefix = `flowstack/config/${uniqueName('svc')}/`;
    const { config, live } = watch(prefix);
    await live.ready(5_000);
    expect(config.ACCEPT_ORDERS).toBe(true);

    const started = Date.now();
    await target.client.setKv(`${prefix}ACCEPT_ORDERS`, 'false');
    await eventually(
      () => config.ACCEPT_ORDERS,
      (value) => !value,
      { timeoutMs: 1_000 },
    );
    expect(Date.now() - started).toBeLessThan(1_000);

    await target.client.setKv(`${prefix}CACHE_TTL_SECONDS`, '5');
    await eventually(
      () => config.CACHE_TTL_SECONDS,
      (value) => value === 5,
    );
  });

  it('when a value is invalid, then it is refused with a log line and the last good value stays', async () => {
    const prefix = `flowstack/config/${uniqueName('svc')}/`;
    await target.client.setKv(`${prefix}CACHE_TTL_SECONDS`, '30');
    const { config, live, lines } = watch(prefix);
    await live.ready(5_000);
    expect(config.CACHE_TTL_SECONDS).toBe(30);

    await target.client.setKv(`${prefix}CACHE_TTL_SECONDS`, '-4');
    await target.client.setKv(`${prefix}ACCEPT_ORDERS`, 'maybe');
    await target.client.setKv(`${prefix}PORT`, '8080');
    await eventually(
      () => lines.filter((line) => line.includes('live config refused')).length,
      (count) => count === 3,
    );
    expect(config).toMatchObject({ CACHE_TTL_SECONDS: 30, ACCEPT_ORDERS: true, PORT: 3000 });
    expect(lines.join('')).toContain('needs a restart');
  });

  it('when a key is written right after the watch starts, before its first answer, then the value is applied either way', async () => {
    // The Consul double answers a write and a blocked read in the same event-loop turn; a real
    // agent is slower. The watch keys on X-Consul-Index, so neither order may lose the write.
    const prefix = `flowstack/config/${uniqueName('svc')}/`;
    const { config, live } = watch(prefix);
    await target.client.setKv(`${prefix}CACHE_TTL_SECONDS`, '7');
    await live.ready(5_000);
    await eventually(
      () => config.CACHE_TTL_SECONDS,
      (value) => value === 7,
    );
  });

  it('when a key is deleted, then its startup value comes back', async () => {
    const prefix = `flowstack/config/${uniqueName('svc')}/`;
    await target.client.setKv(`${prefix}ACCEPT_ORDERS`, 'false');
    const { config, live } = watch(prefix);
    await live.ready(5_000);
    expect(config.ACCEPT_ORDERS).toBe(false);

    await target.client.deleteKv(`${prefix}ACCEPT_ORDERS`);
    await eventually(
      () => config.ACCEPT_ORDERS,
      (value) => value,
    );
  });
});
