import { Redis } from 'ioredis';

export const REDIS = { host: '127.0.0.1', port: 6379 } as const;

/** A plain connection to the shared Redis for setting up and inspecting test data. */
export function adminClient(port: number = REDIS.port): Redis {
  const client = new Redis({ host: REDIS.host, port, lazyConnect: true, maxRetriesPerRequest: 1 });
  // Failures surface through the commands the test awaits.
  client.on('error', () => undefined);
  return client;
}
