#!/usr/bin/env node
// The naive consumer: one INSERT per message, ack after it, nothing else.
import amqp from 'amqplib';
import pg from 'pg';
import { baselineConfig, NAIVE_TABLE_SQL } from './baseline-config.js';

interface NaiveMessage {
  id: string;
  customerEmail: string;
  items: { productId: string; quantity: number }[];
  acceptedAt: string;
}

const config = baselineConfig(process.env);
const pool = new pg.Pool({ ...config.postgres, max: config.poolMax });
await pool.query(NAIVE_TABLE_SQL);
const connection = await amqp.connect(config.rabbitmqUrl);
const channel = await connection.createChannel();
await channel.assertExchange(config.exchange, 'topic', { durable: true });
await channel.assertQueue(config.queue, { durable: true });
await channel.bindQueue(config.queue, config.exchange, 'order.created');
await channel.prefetch(config.prefetch);
await channel.consume(config.queue, (delivery) => {
  if (delivery === null) return;
  const message = JSON.parse(delivery.content.toString('utf8')) as NaiveMessage;
  const item = message.items[0];
  pool
    .query(
      `INSERT INTO bench_naive_orders (id, customer_email, product_id, quantity, accepted_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [
        message.id,
        message.customerEmail,
        item?.productId ?? '',
        item?.quantity ?? 0,
        message.acceptedAt,
      ],
    )
    .then(
      () => channel.ack(delivery),
      () => channel.nack(delivery, false, true),
    );
});
process.stdout.write(`${JSON.stringify({ msg: 'naive-worker listening', url: config.queue })}\n`);
process.once('SIGTERM', () => {
  void connection
    .close()
    .then(() => pool.end())
    .finally(() => process.exit(0));
});
