import type { GetMessage } from 'amqplib';
import { withToolChannel } from './tool-channel.js';
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
  return withToolChannel(connection, 'dead-letter tools', async (channel) => {
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
  return withToolChannel(connection, 'dead-letter tools', async (channel) => {
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

function brokerReason(headers: Record<string, unknown>): string | undefined {
  const reason = headers['x-first-death-reason'];
  if (reason === 'delivery_limit') {
    return 'delivery limit reached: delivered again and again without being settled (consumer died or timed out)';
  }
  return typeof reason === 'string' ? `dead-lettered by the broker: ${reason}` : undefined;
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
    // The broker's own dead-lettering (delivery limit reached) leaves x-first-death-reason.
    reason: asString(headers[HEADER.deathReason]) ?? brokerReason(headers),
    attempt: readAttempt(headers),
    queue: asString(headers[HEADER.deathQueue]) ?? asString(headers['x-first-death-queue']),
    routingKey: asString(headers[HEADER.routingKey]),
    deadLetteredAt: asString(headers[HEADER.deadLetteredAt]),
    headers,
  };
}
