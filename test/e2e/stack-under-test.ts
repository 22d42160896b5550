import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { createDatabase, type Database } from '@flowstack/db';
import { startLocalStack, type LocalStack } from '@flowstack/dev-stack';
import { ORDER_CREATED } from '@flowstack/domain';
import { prepareTestDatabase, testEnvironment } from '@flowstack/domain/testing';
import { createLogger } from '@flowstack/observability';

export interface StackUnderTest {
  stack: LocalStack;
  apiUrl: string;
  db: Database;
  env: Record<string, string>;
  /** Publishes straight to the stack's exchange, bypassing the api (a redelivery, a poison message). */
  publishRaw(body: unknown, messageId: string): Promise<void>;
  /** Lines the processes wrote, for assertions about logs. */
  output: string[];
  close(): Promise<void>;
}

/** api and worker as real processes, with an exchange and queue of their own. */
export async function startStackUnderTest(
  overrides: Record<string, string> = {},
): Promise<StackUnderTest> {
  await prepareTestDatabase();
  const id = randomUUID();
  const env = testEnvironment({
    ORDERS_EXCHANGE: `test.e2e.${id}`,
    ORDERS_QUEUE: `test.e2e.orders.${id}`,
    WORKER_RETRY_DELAYS_MS: '100,500',
    LOG_LEVEL: 'info',
    ...overrides,
  });
  const output: string[] = [];
  const logger = createLogger({ service: 'e2e', level: 'warn' });
  const stack = await startLocalStack({
    env: { PATH: process.env.PATH, ...env },
    logger,
    seed: true,
    onLine: (service, line) => output.push(`${service} ${line}`),
  });
  const db = await createDatabase({
    host: env.POSTGRES_HOST!,
    port: Number(env.POSTGRES_PORT),
    database: env.POSTGRES_DB!,
    credentials: createStaticCredentialSource({ username: env.POSTGRES_USER }),
    logger,
  });
  const connection = await amqp.connect(
    `amqp://guest:guest@${env.RABBITMQ_HOST}:${env.RABBITMQ_PORT}`,
  );
  const channel = await connection.createConfirmChannel();
  return {
    stack,
    apiUrl: stack.api.url,
    db,
    env,
    output,
    async publishRaw(body, messageId) {
      channel.publish(env.ORDERS_EXCHANGE!, ORDER_CREATED, Buffer.from(JSON.stringify(body)), {
        messageId,
        persistent: true,
      });
      await channel.waitForConfirms();
    },
    async close() {
      await stack.stop();
      await db.close();
      const queue = env.ORDERS_QUEUE!;
      for (const name of [queue, `${queue}.dead`, `${queue}.retry.100`, `${queue}.retry.500`]) {
        await channel.deleteQueue(name);
      }
      await channel.deleteExchange(env.ORDERS_EXCHANGE!);
      await channel.close();
      await connection.close();
    },
  };
}

export async function countStored(db: Database, orderIds: readonly string[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[])',
    [orderIds],
  );
  return rows[0]?.n ?? 0;
}
