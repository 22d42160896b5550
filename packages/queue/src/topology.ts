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
const BROKER_DEATH_HEADERS = ['x-death', 'x-first-death-', 'x-last-death-'];

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

export interface ConsumerTopology {
  queue: string;
  exchange: string;
  routingKeys: readonly string[];
  retryDelaysMs: readonly number[];
  queueType?: QueueType;
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
  const type = topology.queueType ?? 'quorum';
  const typed = (args: Record<string, unknown> = {}) =>
    type === 'quorum' ? { 'x-queue-type': 'quorum', ...args } : args;
  const queues: QueueDeclaration[] = [
    { name: topology.queue, arguments: typed() },
    { name: deadLetterQueueName(topology.queue), arguments: typed() },
  ];
  for (const delay of new Set(topology.retryDelaysMs)) {
    if (delay <= 0) continue;
    queues.push({
      name: retryQueueName(topology.queue, delay),
      arguments: typed({
        'x-message-ttl': delay,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': topology.queue,
      }),
    });
  }
  return queues;
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
