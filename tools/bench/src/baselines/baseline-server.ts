#!/usr/bin/env node
// One baseline per process: the least code that does the same I/O as a flowstack path.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import amqp from 'amqplib';
import express from 'express';
import { Redis } from 'ioredis';
import pg from 'pg';
import { baselineConfig } from './baseline-config.js';

export const BASELINE_MODES = [
  'http',
  'express',
  'express-redis',
  'express-pg',
  'express-publish',
] as const;
export type BaselineMode = (typeof BASELINE_MODES)[number];

const HELLO = JSON.stringify({ hello: 'world' });
export const BASELINE_REDIS_KEY = 'bench:baseline:product';

async function start(mode: BaselineMode): Promise<{ server: Server; close: () => Promise<void> }> {
  const config = baselineConfig(process.env);
  if (mode === 'http') {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(HELLO);
    });
    return { server, close: () => Promise.resolve() };
  }
  const app = express();
  app.disable('x-powered-by');
  if (mode === 'express') {
    app.get('/{*path}', (_req, res) => {
      res.json({ hello: 'world' });
    });
    return { server: createServer(app), close: () => Promise.resolve() };
  }
  if (mode === 'express-redis') {
    const redis = new Redis(config.redis);
    await redis.set(
      BASELINE_REDIS_KEY,
      JSON.stringify({ id: 'baseline', name: 'Baseline', priceCents: 100, currency: 'EUR' }),
    );
    app.get('/v1/products/:id', async (_req, res) => {
      const raw = await redis.get(BASELINE_REDIS_KEY);
      res.type('application/json').send(raw);
    });
    return { server: createServer(app), close: async () => void (await redis.quit()) };
  }
  if (mode === 'express-pg') {
    const pool = new pg.Pool({ ...config.postgres, max: config.poolMax });
    app.get('/v1/products/:id', async (req, res) => {
      const { rows } = await pool.query(
        'SELECT id, name, description, price_cents, currency FROM products WHERE id = $1',
        [req.params.id],
      );
      if (rows.length === 0) res.status(404).end();
      else res.json(rows[0]);
    });
    return { server: createServer(app), close: () => pool.end() };
  }
  const connection = await amqp.connect(config.rabbitmqUrl);
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(config.exchange, 'topic', { durable: true });
  await channel.assertQueue(config.queue, { durable: true });
  await channel.bindQueue(config.queue, config.exchange, 'order.created');
  app.use(express.json());
  app.post('/v1/orders', async (req, res) => {
    const id = randomUUID();
    const body = req.body as { customerEmail?: string; items?: unknown[] };
    const message = Buffer.from(
      JSON.stringify({ id, ...body, acceptedAt: new Date().toISOString() }),
    );
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        config.exchange,
        'order.created',
        message,
        { persistent: true, mandatory: true, messageId: id, contentType: 'application/json' },
        (error: unknown) => (error ? reject(new Error('nacked')) : resolve()),
      );
    });
    res.status(202).json({ id, status: 'accepted' });
  });
  return { server: createServer(app), close: () => connection.close() };
}

const mode = process.argv[2] as BaselineMode;
if (!(BASELINE_MODES as readonly string[]).includes(mode)) {
  process.stderr.write(`usage: baseline-server <${BASELINE_MODES.join('|')}>\n`);
  process.exit(2);
}
const { server, close } = await start(mode);
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(
    `${JSON.stringify({ msg: 'baseline listening', mode, url: `http://127.0.0.1:${port}` })}\n`,
  );
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void close().finally(() => process.exit(0));
});
