import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { startApi, type RunningApi } from '@flowstack/api';
import { apiConfigSchema } from '@flowstack/api/config';
import { loadConfig } from '@flowstack/config';
import { testEnvironment } from '@flowstack/domain/testing';
import { createLogger } from '@flowstack/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeUntilReleased } from './held-sockets.js';

/**
 * The real api process code, with its shipped connection defaults (nothing overridden but the
 * exchange and the port), against peers that send nothing, read nothing, or pipeline without
 * reading. Figures are printed for docs/reliability.md.
 */
let api: RunningApi;
let port: number;
const config = loadConfig(
  'api',
  apiConfigSchema,
  testEnvironment({ ORDERS_EXCHANGE: `test.security.${randomUUID()}` }),
);

beforeAll(async () => {
  api = await startApi(config, createLogger({ service: 'api', level: 'silent' }));
  port = Number(new URL(api.url).port);
});
afterAll(async () => {
  await api?.stop();
});

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

/** One figure per line on stdout, for docs/reliability.md. */
const report = (line: string) => process.stdout.write(`${line}\n`);

const rssMiB = () => Math.round(process.memoryUsage().rss / 2 ** 20);

describe('the api with its default connection settings', () => {
  it('when a peer connects and sends nothing, then its socket is released at the idle timeout', async () => {
    const socket = await open();
    socket.pause();
    const releasedMs = await timeUntilReleased(port, 30_000);
    report(`silent peer released after ${releasedMs} ms`);
    expect(releasedMs).toBeLessThanOrEqual(config.HTTP_IDLE_CONNECTION_TIMEOUT_MS + 2_000);
    socket.destroy();
  });

  it('when a peer sends half a request and never reads the 408, then its socket is released a grace after the headers timeout', async () => {
    const socket = await open();
    socket.pause();
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const releasedMs = await timeUntilReleased(port, 30_000);
    report(`half-request peer that does not read released after ${releasedMs} ms`);
    expect(releasedMs).toBeLessThanOrEqual(config.HTTP_HEADERS_TIMEOUT_MS + 3_000);
    socket.destroy();
  });

  it('when a peer pipelines 1,800 GET /metrics and never reads, then the api runs a bounded number and releases the socket', async () => {
    const before = rssMiB();
    const sockets = await Promise.all([open(), open(), open(), open()]);
    for (const socket of sockets) {
      socket.pause();
      socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(1_800));
    }
    let peak = before;
    const sample = setInterval(() => (peak = Math.max(peak, rssMiB())), 100);
    const releasedMs = await timeUntilReleased(port, 60_000);
    clearInterval(sample);
    report(
      `4 non-reading pipelining peers (1,800 x GET /metrics each): rss ${before} -> peak ${peak} MiB, released after ${releasedMs} ms`,
    );
    expect(releasedMs).toBeLessThanOrEqual(config.HTTP_WRITE_STALL_TIMEOUT_MS * 2 + 2_000);
    expect(peak - before).toBeLessThan(100);
    for (const socket of sockets) socket.destroy();
  }, 90_000);

  it('when a valid request is followed by garbage on the same connection, then the valid answer arrives before the 400', async () => {
    const socket = await open();
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write('GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n');
    await closed;
    const statuses = [...data.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => match[1]);
    expect(statuses[0]).toMatch(/^(200|503)$/);
    expect(statuses[1]).toBe('400');
    expect(data).toContain('application/problem+json');
    expect(await timeUntilReleased(port, 10_000)).toBeLessThan(10_000);
  });
});
