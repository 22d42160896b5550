import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runWithContext } from './context.js';
import { createLogger, fixedShapeLogger, serializeError } from './logger.js';

function captureLines(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const lines = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

describe('createLogger', () => {
  it('when logging inside a request context, then every line carries the request id and service', async () => {
    const { stream, lines } = captureLines();
    const logger = createLogger({ service: 'api', destination: stream });
    await runWithContext({ requestId: 'req-123' }, async () => {
      logger.info('first');
      await Promise.resolve();
      logger.info({ extra: 1 }, 'second');
    });
    logger.info('outside');
    const [first, second, outside] = lines();
    expect(first).toMatchObject({
      service: 'api',
      requestId: 'req-123',
      msg: 'first',
      level: 'info',
    });
    expect(second).toMatchObject({ requestId: 'req-123', extra: 1 });
    expect(outside?.requestId).toBeUndefined();
  });

  it('when an object holds secrets or e-mail addresses, then they are censored', () => {
    const { stream, lines } = captureLines();
    const logger = createLogger({ service: 'api', destination: stream });
    logger.info(
      {
        password: 'pw-1',
        db: { password: 'pw-2', user: 'app' },
        req: { headers: { authorization: 'Bearer tok-3' } },
        order: { customerEmail: 'a@example.com' },
      },
      'config',
    );
    const text = JSON.stringify(lines());
    for (const secret of ['pw-1', 'pw-2', 'tok-3', 'a@example.com']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('"user":"app"');
  });

  it('when an error carries the failed command (an ioredis AUTH reply error), then its arguments and nested secrets are censored', () => {
    const { stream, lines } = captureLines();
    const logger = createLogger({ service: 'api', destination: stream });
    class ReplyError extends Error {
      command = { name: 'auth', args: ['v-user-1', 'leased-pw-1'] };
      response = { body: { auth: { client_token: 'hvs.tok-2' } } };
    }
    const wrapped = new Error('cache unavailable', { cause: new ReplyError('WRONGPASS') });
    Object.assign(wrapped, { inner: new ReplyError('WRONGPASS') });
    logger.warn({ err: new ReplyError('WRONGPASS') }, 'redis error');
    logger.warn({ error: wrapped }, 'wrapped');
    const text = JSON.stringify(lines());
    for (const secret of ['leased-pw-1', 'v-user-1', 'hvs.tok-2']) {
      expect(text).not.toContain(secret);
    }
    expect(lines()[0]).toMatchObject({
      err: {
        type: 'ReplyError',
        message: 'WRONGPASS',
        command: { name: 'auth', args: '[redacted]' },
      },
    });
    expect(lines()[1]).toMatchObject({ error: { message: 'cache unavailable: WRONGPASS' } });
  });

  it('when serializeError is applied twice, then the second pass keeps the first result', () => {
    const error = Object.assign(new Error('x'), { command: { name: 'set', args: ['k', 'v'] } });
    const once = serializeError(error);
    expect(serializeError(once)).toEqual(once);
    expect(once).toMatchObject({ type: 'Error', command: { name: 'set', args: '[redacted]' } });
  });
});

describe('fixedShapeLogger', () => {
  it('when it writes a line, then the line has the service, the request id and the fields as given, and the parent still redacts', async () => {
    const { stream, lines } = captureLines();
    const logger = createLogger({ service: 'api', destination: stream });
    const requestLog = fixedShapeLogger(logger);
    await runWithContext({ requestId: 'req-9' }, () => {
      requestLog.info({ method: 'GET', route: '/v1/products/:id', status: 200 }, 'request');
      logger.info({ password: 'hunter2' }, 'other');
      return Promise.resolve();
    });
    const [request, other] = lines();
    expect(request).toMatchObject({
      service: 'api',
      requestId: 'req-9',
      method: 'GET',
      route: '/v1/products/:id',
      status: 200,
      msg: 'request',
    });
    expect(other).toMatchObject({ password: '[redacted]' });
  });
});
