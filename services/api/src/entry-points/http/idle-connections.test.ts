import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cutSilentConnections } from './idle-connections.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function startServer(idleMs: number, keepAliveMs: number): Promise<number> {
  server = createServer({ keepAliveTimeout: keepAliveMs }, (_request, response) => {
    response.end('ok');
  });
  cutSilentConnections(server, idleMs);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', reject);
  });
}

const closed = (socket: Socket) =>
  new Promise<number>((resolve) => {
    const started = Date.now();
    socket.on('close', () => resolve(Date.now() - started));
  });

function exchange(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    const onData = (chunk: Buffer) => {
      data += chunk.toString();
      if (data.endsWith('ok')) {
        socket.off('data', onData);
        resolve(data);
      }
    };
    socket.on('data', onData);
    socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
  });
}

describe('connections that never send a request', () => {
  it('when a client connects and sends nothing, then the server closes the socket after the idle time', async () => {
    const port = await startServer(300, 60_000);
    const socket = await open(port);
    const heldMs = await closed(socket);
    expect(heldMs).toBeGreaterThanOrEqual(250);
    expect(heldMs).toBeLessThan(5_000);
  });

  it('when a client sent a request, then the idle cut no longer applies and keep-alive governs the socket', async () => {
    const port = await startServer(300, 2_000);
    const socket = await open(port);
    const gone = closed(socket);
    expect(await exchange(socket)).toMatch(/^HTTP\/1\.1 200/);
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(socket.destroyed).toBe(false);
    expect(await exchange(socket)).toMatch(/^HTTP\/1\.1 200/);
    // Still cut in the end, by the keep-alive timeout this time.
    expect(await gone).toBeGreaterThan(1_500);
  });
});

describe('connections that started a request', () => {
  it('when a client sends half its headers and stops, then headersTimeout answers 408 and the idle cut does not get there first', async () => {
    server = createServer(
      { headersTimeout: 600, requestTimeout: 1_000, connectionsCheckingInterval: 100 },
      (_request, response) => response.end('ok'),
    );
    cutSilentConnections(server, 200);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const socket = await open((server.address() as { port: number }).port);
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    const gone = closed(socket);
    socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    await gone;
    expect(data).toMatch(/^HTTP\/1\.1 408/);
  });
});
