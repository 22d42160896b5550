import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import { dropDatabase, REPO_ROOT } from './helpers.js';

const database = `flowstack_migrate_retry_${randomUUID().slice(0, 8)}`;
const sockets = new Set<Socket>();

afterAll(() => {
  for (const socket of sockets) socket.destroy();
  dropDatabase(database);
});

/*
 * In the worker job, migrate is a prestart task that starts together with the Envoy sidecar whose
 * upstream it connects to, so the first connections can fail. A stand-in for that upstream drops
 * every connection until migrate reports that it is retrying, then forwards to the real
 * PostgreSQL: migrate must then finish instead of exiting into a restart delay.
 */
it('when the sidecar upstream is not up yet, then flowstack-migrate retries and migrates once it is', async () => {
  let upstreamReady = false;
  const proxy = createServer((client) => {
    sockets.add(client);
    if (!upstreamReady) {
      client.destroy();
      return;
    }
    const server = connect(5432, '127.0.0.1');
    sockets.add(server);
    client.pipe(server).pipe(client);
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const { port } = proxy.address() as AddressInfo;

  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'packages/domain/dist/migrate-cli.js'), '--create-database'],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        LOG_LEVEL: 'info',
        POSTGRES_HOST: '127.0.0.1',
        POSTGRES_PORT: String(port),
        POSTGRES_DB: database,
        POSTGRES_USER: 'postgres',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const messages: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = (JSON.parse(line) as { msg?: string }).msg ?? '';
    messages.push(message);
    if (message === 'postgres not reachable yet, retrying') upstreamReady = true;
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  proxy.close();

  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(messages).toContain('postgres not reachable yet, retrying');
  expect(messages.at(-1)).toBe('database migrated');
}, 90_000);
