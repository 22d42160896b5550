import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import { HEADER, applicationHeaders, readAttempt } from './topology.js';
import type { ConsumedMessage } from './types.js';

/** One message the broker handed us, read once: who it is, which attempt, where it came from. */
export interface Delivery {
  message: ConsumeMessage;
  messageId: string;
  attempt: number;
  /** Headers for a retry or dead-letter copy (original routing key and exchange kept). */
  copy: Record<string, unknown>;
  started: number;
  /** Undefined when the body is not JSON. */
  consumed: ConsumedMessage | undefined;
  parseError: unknown;
}

/** Reads the delivery's id, attempt and origin and decodes its body (undefined: not JSON). */
export function readDelivery(message: ConsumeMessage): Delivery {
  const headers: Record<string, unknown> = { ...message.properties.headers };
  const rawId: unknown = message.properties.messageId;
  const messageId = typeof rawId === 'string' && rawId !== '' ? rawId : `generated-${randomUUID()}`;
  const attempt = readAttempt(headers);
  const originalKey = headers[HEADER.routingKey];
  const routingKey = typeof originalKey === 'string' ? originalKey : message.fields.routingKey;
  const originalExchange = headers[HEADER.exchange];
  const exchange =
    typeof originalExchange === 'string' ? originalExchange : message.fields.exchange;
  const copy = { ...headers, [HEADER.routingKey]: routingKey, [HEADER.exchange]: exchange };
  const started = performance.now();
  let body: unknown;
  try {
    body = JSON.parse(message.content.toString('utf8'));
  } catch (error) {
    return { message, messageId, attempt, copy, started, consumed: undefined, parseError: error };
  }
  const consumed: ConsumedMessage = {
    body,
    messageId,
    attempt,
    routingKey,
    headers: applicationHeaders(headers),
    redelivered: message.fields.redelivered,
  };
  return { message, messageId, attempt, copy, started, consumed, parseError: undefined };
}
