import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An echo server that prefixes its name, so a reply shows which server answered. */
async function echoServer(name: string): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('data', (data) => socket.write(`${name}:${data.toString()}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before a reply')));
  });
}

async function proxyTo(port?: number): Promise<TcpProxy> {
  const proxy = await startTcpProxy(port === undefined ? undefined : { host: '127.0.0.1', port });
  cleanups.push(() => proxy.close());
  return proxy;
}

describe('startTcpProxy', () => {
  it('when a client connects, then bytes reach the target both ways and the connection is counted', async () => {
    const proxy = await proxyTo(await echoServer('a'));
    expect(await exchange(proxy.port, 'hi')).toBe('a:hi');
    expect(proxy.connections()).toBe(1);
  });

  it('when cut, then new connections are refused until restored', async () => {
    const proxy = await proxyTo(await echoServer('a'));
    proxy.cut();
    await expect(exchange(proxy.port, 'hi')).rejects.toThrow();
    proxy.restore();
    expect(await exchange(proxy.port, 'hi')).toBe('a:hi');
  });

  it('when cut, then an open connection is dropped', async () => {
    const proxy = await proxyTo(await echoServer('a'));
    const socket = net.connect(proxy.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('data', resolve).write('x'));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    proxy.cut();
    await closed;
  });

  it('when the target moves, then new connections reach the new server', async () => {
    const proxy = await proxyTo();
    await expect(exchange(proxy.port, 'hi')).rejects.toThrow();
    proxy.setTarget({ host: '127.0.0.1', port: await echoServer('a') });
    expect(await exchange(proxy.port, '1')).toBe('a:1');
    proxy.setTarget(`http://127.0.0.1:${await echoServer('b')}`);
    expect(await exchange(proxy.port, '2')).toBe('b:2');
  });
});
