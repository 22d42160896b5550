import type { Channel } from 'amqplib';

/** Headers this package owns. They travel with retry and dead-letter copies. */
export const HEADER = {
  attempt: 'x-flowstack-attempt',
  routingKey: 'x-flowstack-routing-key',
  exchange: 'x-flowstack-exchange',
  deathReason: 'x-flowstack-death-reason',
  deathQueue: 'x-flowstack-death-queue',
  deadLetteredAt: 'x-flowstack-dead-lettered-at',
} as const;

const OWN_PREFIX = 'x-flowstack-';
const BROKER_DEATH_HEADERS = ['x-death', 'x-first-death-', 'x-last-death-'];

export function deadLetterQueueName(queue: string): string {
  return `${queue}.dead`;
}

export function retryQueueName(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}`;
}

/**
 * The consumer's own direct exchange for its copies: retries, dead letters and replays are
 * published here with the target queue as routing key, and only the consumer's own queues are
 * bound to it. Publishing to the default exchange instead would need write on `amq.default`,
 * which reaches every queue of the vhost (RabbitMQ checks a publish to "" as one to
 * `amq.default`: `check_resource_access` in deps/rabbit/src/rabbit_access_control.erl).
 */
export function movesExchangeName(queue: string): string {
  return `${queue}.moves`;
}

/** The delay before attempt `nextAttempt` (2, 3, ...); the last configured value repeats. */
export function retryDelayFor(retryDelaysMs: readonly number[], nextAttempt: number): number {
  if (retryDelaysMs.length === 0) return 0;
  const index = Math.min(nextAttempt - 2, retryDelaysMs.length - 1);
  return retryDelaysMs[Math.max(index, 0)] ?? 0;
}

function isBrokerDeathHeader(name: string): boolean {
  return BROKER_DEATH_HEADERS.some((prefix) => name === prefix || name.startsWith(prefix));
}

/** The publisher's headers as a handler should see them. */
export function applicationHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name]) => !name.startsWith(OWN_PREFIX) && !isBrokerDeathHeader(name),
    ),
  );
}

/** Headers for a copy we publish ourselves: the broker's x-death bookkeeping is left behind. */
export function copyHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !isBrokerDeathHeader(name)));
}

export function readAttempt(headers: Record<string, unknown>): number {
  const raw = headers[HEADER.attempt];
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  return Number.isInteger(value) && value >= 1 ? value : 1;
}

export interface ConsumerTopology {
  queue: string;
  exchange: string;
  routingKeys: readonly string[];
  retryDelaysMs: readonly number[];
  /**
   * Declare the exchange (default), or only check that it exists: a passive declare needs no
   * permission, while a declare needs configure, which also allows deleting it
   * (`exchange.declare` with `passive = true` in deps/rabbit/src/rabbit_channel.erl).
   */
  assertExchange?: boolean;
}

/**
 * Declares (or checks) the exchange, the main queue and its bindings, the dead-letter queue, one
 * retry queue per delay and the moves exchange every copy goes through. A retry queue holds a
 * copy for its TTL, then the broker dead-letters it through the moves exchange back to the main
 * queue, so waiting never blocks the consumer.
 */
export async function assertConsumerTopology(
  channel: Channel,
  topology: ConsumerTopology,
): Promise<void> {
  if (topology.assertExchange ?? true) {
    await channel.assertExchange(topology.exchange, 'topic', { durable: true });
  } else {
    await channel.checkExchange(topology.exchange);
  }
  const moves = movesExchangeName(topology.queue);
  await channel.assertExchange(moves, 'direct', { durable: true });
  await channel.assertQueue(topology.queue, { durable: true });
  await channel.assertQueue(deadLetterQueueName(topology.queue), { durable: true });
  const own = [topology.queue, deadLetterQueueName(topology.queue)];
  for (const delay of new Set(topology.retryDelaysMs)) {
    if (delay <= 0) continue;
    own.push(retryQueueName(topology.queue, delay));
    await channel.assertQueue(retryQueueName(topology.queue, delay), {
      durable: true,
      arguments: {
        'x-message-ttl': delay,
        'x-dead-letter-exchange': moves,
        'x-dead-letter-routing-key': topology.queue,
      },
    });
  }
  for (const queue of own) await channel.bindQueue(queue, moves, queue);
  for (const key of topology.routingKeys) {
    await channel.bindQueue(topology.queue, topology.exchange, key);
  }
}
