import type { Channel } from 'amqplib';
import type { QueueType } from './types.js';

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
/** The broker's bookkeeping: dead-lettering history, and a quorum queue's redelivery count. */
const BROKER_DEATH_HEADERS = ['x-death', 'x-first-death-', 'x-last-death-', 'x-delivery-count'];

export function deadLetterQueueName(queue: string): string {
  return `${queue}.dead`;
}

export function retryQueueName(queue: string, delayMs: number): string {
  return `${queue}.retry.${delayMs}`;
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

/**
 * Deliveries of one message that end without a settlement (the worker died, a drain timed out, the
 * connection dropped) before the quorum queue dead-letters it. RabbitMQ 4's own default; 3.x has
 * none, so a message that kills its consumer would come back forever.
 */
export const DEFAULT_DELIVERY_LIMIT = 20;

export interface ConsumerTopology {
  queue: string;
  exchange: string;
  routingKeys: readonly string[];
  retryDelaysMs: readonly number[];
  queueType?: QueueType;
  deliveryLimit?: number;
}

/**
 * Dead-letter through the default exchange with the broker's at-least-once strategy: the message
 * leaves the source queue only after the target confirmed it. The default, at-most-once, drops it
 * when the target is unavailable (its leader being elected). at-least-once needs overflow
 * `reject-publish`; with the default drop-head the broker silently falls back to at-most-once
 * (rabbitmq-server deps/rabbit/src/rabbit_quorum_queue.erl, dlh/5). Without x-max-length the
 * overflow setting never refuses a publish.
 */
function quorumDeadLetterTo(queue: string): Record<string, unknown> {
  return {
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': queue,
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  };
}

export interface QueueDeclaration {
  name: string;
  arguments: Record<string, unknown>;
}

/**
 * The queues of one consumer with their arguments: the main queue, its dead-letter queue and one
 * retry queue per delay. A retry queue holds a copy for its TTL, then the broker dead-letters it
 * through the default exchange back to the main queue, so waiting never blocks the consumer.
 */
export function consumerQueues(topology: ConsumerTopology): QueueDeclaration[] {
  return (topology.queueType ?? 'quorum') === 'quorum'
    ? quorumQueues(topology)
    : classicQueues(topology);
}

/** The arguments queues had before quorum queues: a deployment on RABBITMQ_QUEUE_TYPE=classic. */
function classicQueues(topology: ConsumerTopology): QueueDeclaration[] {
  return [
    { name: topology.queue, arguments: {} },
    { name: deadLetterQueueName(topology.queue), arguments: {} },
    ...retryDelays(topology).map((delay) => ({
      name: retryQueueName(topology.queue, delay),
      arguments: {
        'x-message-ttl': delay,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': topology.queue,
      },
    })),
  ];
}

/**
 * Quorum queues (3.10 has per-queue message TTL and at-least-once dead-lettering for them). The
 * main queue dead-letters a message redelivered `deliveryLimit` times without a settlement: the
 * poison that kills its consumer, which the consumer cannot count itself. The dead-letter queue has
 * no limit: listing dead letters reads and requeues them.
 */
function quorumQueues(topology: ConsumerTopology): QueueDeclaration[] {
  const quorum = { 'x-queue-type': 'quorum' };
  return [
    {
      name: topology.queue,
      arguments: {
        ...quorum,
        'x-delivery-limit': topology.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT,
        ...quorumDeadLetterTo(deadLetterQueueName(topology.queue)),
      },
    },
    { name: deadLetterQueueName(topology.queue), arguments: quorum },
    ...retryDelays(topology).map((delay) => ({
      name: retryQueueName(topology.queue, delay),
      arguments: { ...quorum, 'x-message-ttl': delay, ...quorumDeadLetterTo(topology.queue) },
    })),
  ];
}

function retryDelays(topology: ConsumerTopology): number[] {
  return [...new Set(topology.retryDelaysMs)].filter((delay) => delay > 0);
}

/** Declares the exchange, the consumer's queues (see consumerQueues) and the bindings. */
export async function assertConsumerTopology(
  channel: Channel,
  topology: ConsumerTopology,
): Promise<void> {
  await channel.assertExchange(topology.exchange, 'topic', { durable: true });
  for (const queue of consumerQueues(topology)) {
    await channel.assertQueue(queue.name, { durable: true, arguments: queue.arguments });
  }
  for (const key of topology.routingKeys) {
    await channel.bindQueue(topology.queue, topology.exchange, key);
  }
}
