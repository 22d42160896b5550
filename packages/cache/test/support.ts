import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@flowstack/observability';
import { Redis } from 'ioredis';

export const REDIS = { host: '127.0.0.1', port: 6379 } as const;

export function uniqueId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 12);
}

/** A logger whose lines the test can read, so it can assert what was (not) logged. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: createLogger({ service: 'cache-test', level: 'debug', destination }), lines };
}

/** A TCP port nothing listens on: bound, then released. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
  });
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A plain connection to the shared Redis for setting up and inspecting test data. */
export function adminClient(port: number = REDIS.port): Redis {
  const client = new Redis({ host: REDIS.host, port, lazyConnect: true, maxRetriesPerRequest: 1 });
  // Failures surface through the commands the test awaits.
  client.on('error', () => undefined);
  return client;
}

/** A throwaway redis-server this test owns, so it can be stopped and started again. */
export interface ThrowawayRedis {
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function throwawayRedis(port: number): ThrowawayRedis {
  let child: ChildProcess | undefined;
  return {
    port,
    async start() {
      const started = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--enable-debug-command',
          'yes',
        ],
        { stdio: 'ignore' },
      );
      child = started;
      const probe = adminClient(port);
      try {
        await waitFor(
          async () => {
            try {
              if (probe.status !== 'ready') await probe.connect();
              return (await probe.ping()) === 'PONG';
            } catch {
              probe.disconnect();
              return false;
            }
          },
          10_000,
          `redis-server on port ${port}`,
        );
      } finally {
        probe.disconnect();
      }
    },
    async stop() {
      const running = child;
      child = undefined;
      if (running === undefined || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
}
