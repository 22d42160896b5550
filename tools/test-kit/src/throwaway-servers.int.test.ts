import { Redis } from 'ioredis';
import { expect, it, onTestFinished } from 'vitest';
import { throwawayRedis } from './throwaway-servers.js';

it('when a throwaway redis-server is started, stopped and started again, then it answers only while up', async () => {
  const server = await throwawayRedis();
  onTestFinished(() => server.stop());
  await server.start();
  const client = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  onTestFinished(() => client.disconnect());
  expect(await client.ping()).toBe('PONG');
  await server.stop();
  await expect(client.ping()).rejects.toThrow();
  await server.start();
  expect(await client.ping()).toBe('PONG');
});
