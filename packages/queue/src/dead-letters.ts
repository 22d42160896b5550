import type { ConfirmChannel, GetMessage } from 'amqplib';
import { ManagedConnection } from './queue-connection.js';
import { queueMisconfigured, queueUnavailable } from './queue-errors.js';
import { HEADER, copyHeaders, deadLetterQueueName, readAttempt } from './topology.js';
import type { QueueConnection } from './types.js';

export interface DeadLetter {
  messageId: string | undefined;
  /** Parsed JSON, or the raw text when the body was not JSON (that may be why it is here). */
  body: unknown;
  reason: string | undefined;
  attempt: number;
  queue: string | undefined;
  routingKey: string | undefined;
  deadLetteredAt: string | undefined;
  headers: Record<string, unknown>;
}

/** Reads up to `limit` dead letters of `queue` without removing them (they are requeued). */
export async function listDeadLetters(
  connection: QueueConnection,
  queue: string,
  limit: number,
): Promise<DeadLetter[]> {
  return withChannel(connection, async (channel) => {
    const letters: DeadLetter[] = [];
    for (let i = 0; i < limit; i += 1) {
      const message = await channel.get(deadLetterQueueName(queue), { noAck: false });
      if (message === false) break;
      letters.push(toDeadLetter(message));
    }
    channel.nackAll(true);
    return letters;
  });
}

/**
 * Moves up to `limit` dead letters back to `queue` with the attempt count reset. Each copy is
 * confirmed before its dead letter is acked, so a crash can duplicate but never lose one. Only
 * the letters present at the start are replayed: one that fails again and comes back while the
 * replay runs is left for the next replay instead of going round in a loop.
 */
export async function replayDeadLetters(
  connection: QueueConnection,
  queue: string,
  limit: number,
): Promise<number> {
  return withChannel(connection, async (channel) => {
    const { messageCount } = await channel.checkQueue(deadLetterQueueName(queue));
    const bound = Math.min(limit, messageCount);
    let replayed = 0;
    for (; replayed < bound; replayed += 1) {
      const message = await channel.get(deadLetterQueueName(queue), { noAck: false });
      if (message === false) break;
      const headers = Object.fromEntries(
        Object.entries(copyHeaders({ ...message.properties.headers })).filter(
          ([name]) =>
            name !== HEADER.attempt &&
            name !== HEADER.deathReason &&
            name !== HEADER.deathQueue &&
            name !== HEADER.deadLetteredAt,
        ),
      );
      channel.publish('', queue, message.content, {
        persistent: true,
        messageId: message.properties.messageId as string | undefined,
        contentType: message.properties.contentType as string | undefined,
        headers,
      });
      await channel.waitForConfirms();
      channel.ack(message);
    }
    return replayed;
  });
}

async function withChannel<T>(
  connection: QueueConnection,
  work: (channel: ConfirmChannel) => Promise<T>,
): Promise<T> {
  if (!(connection instanceof ManagedConnection)) {
    throw queueMisconfigured('dead-letter tools need a connection from createQueueConnection');
  }
  const generation = connection.current;
  if (generation === undefined || generation.closed) {
    throw queueUnavailable('RabbitMQ is not connected');
  }
  const channel = await generation.model.createConfirmChannel();
  channel.on('error', (error: unknown) => {
    connection.logger.warn({ err: String(error) }, 'dead-letter tool channel error');
  });
  try {
    return await work(channel);
  } finally {
    await channel.close().catch(() => undefined);
  }
}

function toDeadLetter(message: GetMessage): DeadLetter {
  const headers: Record<string, unknown> = { ...message.properties.headers };
  const text = message.content.toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  const asString = (value: unknown): string | undefined =>
    typeof value === 'string' ? value : undefined;
  return {
    messageId: asString(message.properties.messageId),
    body,
    reason: asString(headers[HEADER.deathReason]),
    attempt: readAttempt(headers),
    queue: asString(headers[HEADER.deathQueue]),
    routingKey: asString(headers[HEADER.routingKey]),
    deadLetteredAt: asString(headers[HEADER.deadLetteredAt]),
    headers,
  };
}
