import { randomUUID } from 'node:crypto';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { fingerprintOf, orderIdFor, ORDER_CREATED } from '@flowstack/domain';

export interface Rabbit {
  /** Ready messages in the queue (0 when it does not exist). */
  depth(queue: string): Promise<number>;
  /** Publishes all bodies with confirms, a window at a time. */
  publishAll(exchange: string, bodies: Iterable<{ id: string; body: unknown }>): Promise<number>;
  deleteQueues(...queues: string[]): Promise<void>;
  purge(queue: string): Promise<void>;
  close(): Promise<void>;
}

export async function openRabbit(url: string): Promise<Rabbit> {
  const model: ChannelModel = await amqp.connect(url);
  const channel: ConfirmChannel = await model.createConfirmChannel();
  const inspector = await model.createChannel();
  inspector.on('error', () => undefined);
  return {
    async depth(queue) {
      try {
        return (await inspector.checkQueue(queue)).messageCount;
      } catch {
        return 0;
      }
    },
    async publishAll(exchange, bodies) {
      let count = 0;
      let window = 0;
      for (const { id, body } of bodies) {
        channel.publish(exchange, ORDER_CREATED, Buffer.from(JSON.stringify(body)), {
          messageId: id,
          persistent: true,
          contentType: 'application/json',
        });
        count += 1;
        window += 1;
        if (window === 1_000) {
          await channel.waitForConfirms();
          window = 0;
        }
      }
      await channel.waitForConfirms();
      return count;
    },
    async purge(queue) {
      await inspector.purgeQueue(queue).catch(() => undefined);
    },
    async deleteQueues(...queues) {
      for (const queue of queues) await channel.deleteQueue(queue).catch(() => undefined);
    },
    async close() {
      await model.close();
    },
  };
}

/** `order.created` messages as the api publishes them, for a backlog. */
export function* flowstackBacklog(
  count: number,
  productIds: readonly string[],
): Generator<{ id: string; body: unknown }> {
  const acceptedAt = new Date().toISOString();
  for (let index = 0; index < count; index += 1) {
    const request = {
      customerEmail: `drain-${index}@example.com`,
      items: [{ productId: productIds[index % productIds.length]!, quantity: 1 + (index % 3) }],
    };
    const orderId = orderIdFor(randomUUID());
    yield {
      id: orderId,
      body: {
        version: 1,
        orderId,
        requestFingerprint: fingerprintOf(request),
        ...request,
        acceptedAt,
      },
    };
  }
}

/** The same orders in the naive baseline's format. */
export function* naiveBacklog(
  count: number,
  productIds: readonly string[],
): Generator<{ id: string; body: unknown }> {
  const acceptedAt = new Date().toISOString();
  for (let index = 0; index < count; index += 1) {
    const id = randomUUID();
    yield {
      id,
      body: {
        id,
        customerEmail: `drain-${index}@example.com`,
        items: [{ productId: productIds[index % productIds.length]!, quantity: 1 + (index % 3) }],
        acceptedAt,
      },
    };
  }
}
