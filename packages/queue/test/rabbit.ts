import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { onTestFinished } from 'vitest';
import { createStaticCredentialSource, type CredentialSource } from '@flowstack/credentials';
import { createLogger, createMetrics, type Metrics } from '@flowstack/observability';
import { uniqueName, waitFor } from '@flowstack/test-kit';
import { createQueueConnection } from '../src/queue-connection.js';
import type { QueueConnection, QueueConnectionOptions } from '../src/types.js';

export const RABBIT = { host: '127.0.0.1', port: 5672, vhost: '/' };
const MANAGEMENT = 'http://127.0.0.1:15672/api';
const GUEST_AUTH = `Basic ${Buffer.from('guest:guest').toString('base64')}`;

/** Queues, exchanges and connections of one test: `test.queue.<prefix>.<id>`. */
export function queueName(prefix: string): string {
  return uniqueName(`test.queue.${prefix}`, '.');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface TestConnection {
  connection: QueueConnection;
  metrics: Metrics;
  logLines: string[];
  logs(): Record<string, unknown>[];
}

/** A connection as the services make it, with its log lines and metrics in reach. */
export function connect(overrides: Partial<QueueConnectionOptions> = {}): TestConnection {
  const logLines: string[] = [];
  const logger = createLogger({
    service: 'queue-test',
    level: 'debug',
    destination: { write: (line: string) => void logLines.push(line) },
  });
  const metrics = createMetrics({ service: 'queue-test', defaultMetrics: false });
  const connection = createQueueConnection({
    ...RABBIT,
    credentials: createStaticCredentialSource({ username: 'guest', password: 'guest' }),
    logger,
    metrics: metrics.queue,
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
    ...overrides,
  });
  return {
    connection,
    metrics,
    logLines,
    logs: () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export async function counterValue(
  metrics: Metrics,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const sample = metric?.values.find((value) =>
    Object.entries(labels).every(([key, expected]) => value.labels[key] === expected),
  );
  return sample?.value ?? 0;
}

/** A plain channel for the test's own setup, inspection and clean-up. */
export class Admin {
  private constructor(
    private readonly model: ChannelModel,
    readonly channel: Channel,
  ) {}

  static async open(): Promise<Admin> {
    const model = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
    const channel = await model.createChannel();
    // A failed check (e.g. checkQueue of a missing queue) closes the channel; tests see the rejection.
    channel.on('error', () => undefined);
    return new Admin(model, channel);
  }

  async messageCount(queue: string): Promise<number> {
    const reply = await this.channel.checkQueue(queue);
    return reply.messageCount;
  }

  /** Removes a consumer's whole topology: main, dead-letter and retry queues, and the exchanges. */
  async deleteTopology(
    queue: string,
    exchange: string,
    retryDelaysMs: number[] = [],
  ): Promise<void> {
    const queues = [queue, `${queue}.dead`, ...retryDelaysMs.map((ms) => `${queue}.retry.${ms}`)];
    for (const name of queues) await this.channel.deleteQueue(name);
    await this.channel.deleteExchange(`${queue}.moves`);
    await this.channel.deleteExchange(exchange);
  }

  async close(): Promise<void> {
    await this.model.close();
  }
}

async function management(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${MANAGEMENT}${path}`, {
    method,
    headers: { authorization: GUEST_AUTH, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok && response.status !== 404) {
    throw new Error(`management API ${method} ${path}: ${response.status}`);
  }
  return response;
}

interface ManagedConnectionInfo {
  name: string;
  user: string;
  client_properties?: { connection_name?: string };
}

export async function connectionsNamed(connectionName: string): Promise<ManagedConnectionInfo[]> {
  const response = await management('GET', '/connections?columns=name,user,client_properties');
  const all = (await response.json()) as ManagedConnectionInfo[];
  return all.filter((info) => info.client_properties?.connection_name === connectionName);
}

/** Closes our connection from the server side, as a broker restart or an operator would. */
export async function forceCloseConnections(connectionName: string): Promise<number> {
  let found: ManagedConnectionInfo[] = [];
  await waitFor(async () => {
    found = await connectionsNamed(connectionName);
    return found.length > 0;
  }, `connection ${connectionName} in the management API`);
  for (const info of found) {
    await management('DELETE', `/connections/${encodeURIComponent(info.name)}`);
  }
  return found.length;
}

export async function createUser(username: string, password: string): Promise<void> {
  await management('PUT', `/users/${encodeURIComponent(username)}`, { password, tags: '' });
  await management('PUT', `/permissions/%2F/${encodeURIComponent(username)}`, {
    configure: '.*',
    write: '.*',
    read: '.*',
  });
}

export async function deleteUser(username: string): Promise<void> {
  await management('DELETE', `/users/${encodeURIComponent(username)}`);
}

export type { CredentialSource };

/**
 * A connected TestConnection and unique queue and exchange names for one test; the connection and
 * the consumer's topology (with retry queues of `retryDelaysMs`) are removed when the test ends.
 */
export async function connectForTest(admin: Admin, prefix: string, retryDelaysMs: number[] = []) {
  const queue = queueName(prefix);
  const exchange = `${queue}.exchange`;
  const test = connect();
  onTestFinished(async () => {
    await test.connection.close();
    await admin.deleteTopology(queue, exchange, retryDelaysMs);
  });
  await test.connection.waitUntilConnected(10_000);
  return { test, queue, exchange };
}
