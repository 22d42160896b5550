import { randomUUID } from 'node:crypto';
import { createManualAddressSource, createManualCredentialSource } from '@flowstack/credentials';
import { isAppError } from '@flowstack/errors';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { closedPort, startTcpProxy, waitFor } from '@flowstack/test-kit';
import {
  Admin,
  connect,
  connectionsNamed,
  counterValue,
  createUser,
  deleteUser,
  forceCloseConnections,
  RABBIT,
  sleep,
  queueName,
} from '../test/rabbit.js';
import { MIGRATE_COMMAND, QUEUE_TOPOLOGY_CHANGED } from './queue-errors.js';
import type { ConsumedMessage, ConsumerSpec, Publisher, QueueConnection } from './types.js';

let admin: Admin;
beforeAll(async () => {
  admin = await Admin.open();
});
afterAll(async () => {
  await admin.close();
});

function names(prefix: string) {
  const queue = queueName(prefix);
  const exchange = `${queue}.exchange`;
  onTestFinished(() => admin.deleteTopology(queue, exchange));
  return { queue, exchange, connectionName: `${queue}.connection` };
}

/** Publishes until the broker accepts (connected, queue bound again): for after a disruption. */
async function publishOnceAccepted(
  publisher: Publisher,
  routingKey: string,
  body: unknown,
  messageId: string,
  what: string,
): Promise<void> {
  await waitFor(async () => {
    try {
      await publisher.publish(routingKey, body, { messageId });
      return true;
    } catch {
      return false;
    }
  }, what);
}

/** Consumes `queue`, collecting the ids of the messages handled. */
async function consumeIds(
  connection: QueueConnection,
  queue: string,
  exchange: string,
): Promise<string[]> {
  const received: string[] = [];
  await connection.consume(
    specFor(queue, exchange, (message) => {
      received.push(message.messageId);
      return Promise.resolve();
    }),
  );
  return received;
}

/**
 * Consumes `queue` and publishes one message, `in-flight`, whose handler waits until `release()`:
 * a delivery held unacked while the connection underneath changes.
 */
async function holdOneInFlight(connection: QueueConnection, queue: string, exchange: string) {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const received: string[] = [];
  await connection.consume(
    specFor(queue, exchange, async (message) => {
      received.push(message.messageId);
      if (message.messageId === 'in-flight') await gate;
    }),
  );
  const publisher = connection.createPublisher({ exchange });
  await publisher.publish('order.created', {}, { messageId: 'in-flight' });
  await waitFor(() => received.includes('in-flight'), 'the in-flight message');
  return { received, release, publisher };
}

/** Connects and tries to consume `queue`, which the test made so that the broker refuses it. */
async function consumeRefused(queue: string, exchange: string) {
  const t = connect();
  onTestFinished(() => t.connection.close());
  await t.connection.waitUntilConnected(10_000);
  const error = await t.connection.consume(specFor(queue, exchange, () => Promise.resolve())).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  return { t, error };
}

function specFor(
  queue: string,
  exchange: string,
  handle: ConsumerSpec['handle'],
  overrides: Partial<ConsumerSpec> = {},
): ConsumerSpec {
  return {
    queue,
    exchange,
    routingKeys: ['order.#'],
    prefetch: 5,
    maxAttempts: 3,
    retryDelaysMs: [],
    handle,
    ...overrides,
  };
}

describe('queue connection', () => {
  it('when the broker closes the connection, then it reconnects and publishing and consuming work again', async () => {
    const { queue, exchange, connectionName } = names('reconnect');
    const t = connect({ connectionName });
    onTestFinished(() => t.connection.close());
    await t.connection.waitUntilConnected(10_000);
    const received = await consumeIds(t.connection, queue, exchange);
    const publisher = t.connection.createPublisher({ exchange });
    await publisher.publish('order.created', { n: 1 }, { messageId: 'before' });
    await waitFor(() => received.includes('before'), 'the first message');

    expect(await forceCloseConnections(connectionName)).toBe(1);
    await waitFor(
      () => t.logs().some((line) => line.msg === 'RabbitMQ connection lost; reconnecting'),
      'the loss to be noticed',
    );
    await waitFor(() => t.connection.connected, 'the reconnect');
    await publishOnceAccepted(
      publisher,
      'order.created',
      { n: 2 },
      'after',
      'a publish after the reconnect',
    );

    await waitFor(() => received.includes('after'), 'the message after the reconnect');
    expect(received.filter((id) => id === 'after')).toHaveLength(1);
    await expect(t.connection.ping()).resolves.toBeUndefined();
  });

  it('when the connection is lost with publishes unconfirmed, then they reject with 503 and none is reported as accepted', async () => {
    const { queue, exchange, connectionName } = names('lost-confirms');
    await admin.channel.assertExchange(exchange, 'topic', { durable: true });
    await admin.channel.assertQueue(queue, { durable: true });
    await admin.channel.bindQueue(queue, exchange, 'order.#');
    const t = connect({ connectionName });
    onTestFinished(() => t.connection.close());
    await t.connection.waitUntilConnected(10_000);
    const publisher = t.connection.createPublisher({ exchange, confirmTimeoutMs: 20_000 });
    await publisher.publish('order.created', { warm: true }, { messageId: 'warm-up' });
    await waitFor(async () => (await connectionsNamed(connectionName)).length === 1, 'stats');

    let confirmed = 0;
    let rejected = 0;
    const padding = 'x'.repeat(16 * 1024);
    const publishing = Promise.all(
      Array.from({ length: 3000 }, (_, i) =>
        publisher.publish('order.created', { i, padding }, { messageId: `lost-${i}` }).then(
          () => void (confirmed += 1),
          (error: unknown) => {
            if (!isAppError(error) || error.status !== 503) throw error;
            rejected += 1;
          },
        ),
      ),
    );
    await forceCloseConnections(connectionName);
    await publishing;

    expect(confirmed + rejected).toBe(3000);
    expect(rejected).toBeGreaterThan(0);
    // Every confirmed message is in the queue (plus the warm-up); unconfirmed ones may be too.
    expect(await admin.messageCount(queue)).toBeGreaterThanOrEqual(confirmed + 1);
  });

  it('when the queue exists with other arguments, then consume rejects naming the migration and the connection keeps working', async () => {
    const { queue, exchange } = names('conflict');
    await admin.channel.assertQueue(queue, { durable: true, arguments: { 'x-max-length': 5 } });
    const { t, error } = await consumeRefused(queue, exchange);
    expect(error).toMatchObject({ status: 500, code: QUEUE_TOPOLOGY_CHANGED });
    expect(String(error)).toContain(MIGRATE_COMMAND);

    expect(t.connection.connected).toBe(true);
    const other = queueName('after-conflict');
    onTestFinished(() => admin.deleteTopology(other, exchange));
    const received: ConsumedMessage[] = [];
    await t.connection.consume(
      specFor(other, exchange, (message) => {
        received.push(message);
        return Promise.resolve();
      }),
    );
    await t.connection.createPublisher({ exchange }).publish('order.ok', {}, { messageId: 'ok' });
    await waitFor(() => received.length === 1, 'the message on the healthy queue');
  });

  it('when the queue exists as a classic queue (made before quorum queues), then a quorum consumer fails fast naming the migration; a classic one consumes', async () => {
    const { queue, exchange } = names('classic-exists');
    await admin.channel.assertQueue(queue, { durable: true });
    const { t, error } = await consumeRefused(queue, exchange);
    expect(error).toMatchObject({ code: QUEUE_TOPOLOGY_CHANGED });
    expect(String(error)).toContain(`queue ${queue} `);
    expect(String(error)).toContain('exists with other arguments');

    const received: string[] = [];
    await t.connection.consume(
      specFor(
        queue,
        exchange,
        (message) => {
          received.push(message.messageId);
          return Promise.resolve();
        },
        { queueType: 'classic' },
      ),
    );
    await t.connection.createPublisher({ exchange }).publish('order.ok', {}, { messageId: 'c1' });
    await waitFor(() => received.includes('c1'), 'the message on the classic queue');
  });

  it('when the broker cancels a consumer (its queue deleted), then it re-declares and consumes again', async () => {
    const { queue, exchange } = names('cancelled');
    const t = connect();
    onTestFinished(() => t.connection.close());
    await t.connection.waitUntilConnected(10_000);
    const received = await consumeIds(t.connection, queue, exchange);

    await admin.channel.deleteQueue(queue);

    await waitFor(
      () => t.logs().some((line) => line.msg === 'consumer channel lost; re-attaching'),
      'the re-attach',
    );
    const publisher = t.connection.createPublisher({ exchange });
    await publishOnceAccepted(publisher, 'order.x', {}, 'again', 'the queue to be bound again');
    await waitFor(() => received.includes('again'), 'the message after the re-attach');
    expect(t.connection.connected).toBe(true);
  });

  it('when consume is called before the broker is reachable, then it attaches once connected', async () => {
    const { queue, exchange } = names('late');
    const t = connect();
    onTestFinished(() => t.connection.close());
    const received: string[] = [];
    expect(t.connection.connected).toBe(false);
    const consuming = t.connection.consume(
      specFor(queue, exchange, (message) => {
        received.push(message.messageId);
        return Promise.resolve();
      }),
    );
    await t.connection.waitUntilConnected(10_000);
    await consuming;
    const publisher = t.connection.createPublisher({ exchange });
    await publishOnceAccepted(publisher, 'order.x', {}, 'late', 'a routable publish');
    await waitFor(() => received.includes('late'), 'the message');
  });

  it('when the credentials rotate, then it moves to the new user and in-flight messages still ack on the old channel', async () => {
    const { queue, exchange, connectionName } = names('rotation');
    const username = `flowstack-test-${randomUUID().slice(0, 8)}`;
    const password = randomUUID();
    await createUser(username, password);
    onTestFinished(() => deleteUser(username));
    const source = createManualCredentialSource({ username: 'guest', password: 'guest' });
    const t = connect({ connectionName, credentials: source });
    onTestFinished(() => t.connection.close());
    await t.connection.waitUntilConnected(10_000);

    const { received, release, publisher } = await holdOneInFlight(t.connection, queue, exchange);

    const rotating = source.rotate({ username, password });
    await waitFor(
      async () => (await connectionsNamed(connectionName)).some((c) => c.user === username),
      'a connection as the new user',
    );
    await publisher.publish('order.created', {}, { messageId: 'during' });
    await waitFor(() => received.includes('during'), 'a message on the new connection');
    await sleep(100);
    release();
    await rotating;

    expect(await counterValue(t.metrics, 'flowstack_queue_acked_total', { queue })).toBe(2);
    await publisher.publish('order.created', {}, { messageId: 'after' });
    await waitFor(() => received.includes('after'), 'a message after the rotation');
    expect(received.filter((id) => id === 'in-flight')).toHaveLength(1);
    await waitFor(async () => {
      const users = (await connectionsNamed(connectionName)).map((c) => c.user);
      return users.length === 1 && users[0] === username;
    }, 'the guest connection to be gone');
    expect(await admin.messageCount(queue)).toBe(0);
    expect(t.logLines.join('\n')).not.toContain(password);
  });

  it('when the rotated credentials are refused, then it keeps the old connection', async () => {
    const { queue, exchange } = names('bad-rotation');
    const source = createManualCredentialSource({ username: 'guest', password: 'guest' });
    const t = connect({ credentials: source, rotationAttempts: 2 });
    onTestFinished(() => t.connection.close());
    await t.connection.waitUntilConnected(10_000);
    const received = await consumeIds(t.connection, queue, exchange);
    const secret = `wrong-${randomUUID()}`;

    await expect(source.rotate({ username: 'nobody-here', password: secret })).rejects.toThrow();

    expect(t.connection.connected).toBe(true);
    await t.connection.createPublisher({ exchange }).publish('order.x', {}, { messageId: 'still' });
    await waitFor(() => received.includes('still'), 'a message on the old connection');
    expect(t.logLines.join('\n')).not.toContain(secret);
  });

  it('when the broker moves, then a connection to the new address takes over and in-flight messages still ack', async () => {
    const { queue, exchange, connectionName } = names('move');
    const proxy = await startTcpProxy(RABBIT);
    onTestFinished(() => proxy.close());
    const address = createManualAddressSource(RABBIT);
    const t = connect({ connectionName, address });
    onTestFinished(() => t.connection.close());
    await t.connection.waitUntilConnected(10_000);

    const { received, release, publisher } = await holdOneInFlight(t.connection, queue, exchange);
    expect(proxy.connections()).toBe(0);

    const moving = address.move({ host: RABBIT.host, port: proxy.port });
    await waitFor(() => proxy.connections() > 0, 'a connection through the new address');
    await publisher.publish('order.created', {}, { messageId: 'during' });
    await waitFor(() => received.includes('during'), 'a message on the new connection');
    release();
    await moving;

    expect(await counterValue(t.metrics, 'flowstack_queue_acked_total', { queue })).toBe(2);
    await waitFor(
      async () => (await connectionsNamed(connectionName)).length === 1,
      'the old connection to be gone',
    );
    expect(received.filter((id) => id === 'in-flight')).toHaveLength(1);
    expect(t.logLines.join('\n')).toContain('RabbitMQ moved');
  });
});

describe('queue connection to a list of nodes', () => {
  it('when the first node is down, then it connects to the next one without waiting a backoff', async () => {
    const { queue, exchange } = names('nodes-first-down');
    const down = await closedPort();
    const proxy = await startTcpProxy(RABBIT);
    onTestFinished(() => proxy.close());
    const t = connect({
      nodes: [
        { host: '127.0.0.1', port: down },
        { host: '127.0.0.1', port: proxy.port },
      ],
      // A backoff after one dead node would outlast the wait below.
      reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    onTestFinished(() => t.connection.close());
    await t.connection.waitUntilConnected(10_000);
    expect(proxy.connections()).toBe(1);
    const received = await consumeIds(t.connection, queue, exchange);
    await t.connection.createPublisher({ exchange }).publish('order.x', {}, { messageId: 'n1' });
    await waitFor(() => received.includes('n1'), 'the message through the second node');
  });

  it('when the connection to a node is lost, then it reconnects to the next node and consumes there', async () => {
    const { queue, exchange } = names('nodes-lost');
    const first = await startTcpProxy(RABBIT);
    const second = await startTcpProxy(RABBIT);
    onTestFinished(() => first.close());
    onTestFinished(() => second.close());
    const t = connect({
      nodes: [
        { host: '127.0.0.1', port: first.port },
        { host: '127.0.0.1', port: second.port },
      ],
    });
    onTestFinished(() => t.connection.close());
    await t.connection.waitUntilConnected(10_000);
    const received = await consumeIds(t.connection, queue, exchange);
    expect([first.connections(), second.connections()]).toEqual([1, 0]);

    first.cut();
    await waitFor(() => second.connections() === 1 && t.connection.connected, 'the second node');
    const publisher = t.connection.createPublisher({ exchange });
    await publishOnceAccepted(
      publisher,
      'order.x',
      {},
      'after-loss',
      'a publish on the second node',
    );
    await waitFor(() => received.includes('after-loss'), 'the message on the second node');
    expect(t.logLines.join('\n')).toContain('RabbitMQ connection lost');
  });

  it('when every node is down, then readiness names them all', async () => {
    const nodes = [
      { host: '127.0.0.1', port: await closedPort() },
      { host: '127.0.0.1', port: await closedPort() },
    ];
    const t = connect({ nodes });
    onTestFinished(() => t.connection.close());
    const error = await t.connection.waitUntilConnected(300).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(isAppError(error) && error.code).toBe('queue-unavailable');
    for (const node of nodes) expect(String(error)).toContain(`127.0.0.1:${node.port}`);
  });
});
