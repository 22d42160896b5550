import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { captureLogger } from './capture-logger.js';
import { uniqueId, uniqueName } from './names.js';
import { closedPort, freePort } from './ports.js';

describe('freePort', () => {
  it('when returned, then a server can listen on it and a client is refused before that', async () => {
    const port = await closedPort();
    const refused = await new Promise<string>((resolve) => {
      net.connect(port, '127.0.0.1').once('error', (error: NodeJS.ErrnoException) => {
        resolve(error.code ?? '');
      });
    });
    expect(refused).toBe('ECONNREFUSED');
    const server = net.createServer();
    const free = await freePort();
    await new Promise<void>((resolve) => server.listen(free, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('uniqueName', () => {
  it('when called twice with one prefix, then the names differ and keep the prefix and separator', () => {
    const a = uniqueName('orders', '_');
    const b = uniqueName('orders', '_');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^orders_[0-9a-f]{12}$/);
    expect(uniqueId()).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('captureLogger', () => {
  it('when the logger writes, then the lines are kept, parsed, and carry the service', () => {
    const captured = captureLogger('kit-test');
    captured.logger.info({ orderId: 'o-1' }, 'stored');
    expect(captured.lines).toHaveLength(1);
    expect(captured.entries()[0]).toMatchObject({
      service: 'kit-test',
      orderId: 'o-1',
      msg: 'stored',
    });
  });
});
