import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { createLogger, type Logger } from '@flowstack/observability';
import { ensureDatabaseExists } from '../src/ensure-database.js';

export const SERVER = { host: '127.0.0.1', port: 5432 } as const;
export const TEST_DATABASE = 'flowstack_db_test';

export const postgresCredentials = () =>
  createStaticCredentialSource({ username: 'postgres', password: 'not-checked-by-trust-auth' });

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
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
  return { logger: createLogger({ service: 'db-test', level: 'debug', destination }), lines };
}

let testDatabaseReady: Promise<boolean> | undefined;

export function ensureTestDatabase(): Promise<boolean> {
  testDatabaseReady ??= ensureDatabaseExists({
    ...SERVER,
    database: TEST_DATABASE,
    credentials: postgresCredentials(),
  });
  return testDatabaseReady;
}

/** A TCP port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
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
  check: () => Promise<boolean>,
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

/** A promise the test resolves when it chooses: holds a transaction open across a rotation. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
