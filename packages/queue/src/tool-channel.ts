import type { ConfirmChannel } from 'amqplib';
import { ManagedConnection } from './queue-connection.js';
import { describeError, queueMisconfigured, queueUnavailable } from './queue-errors.js';
import type { QueueConnection } from './types.js';

/**
 * Runs `work` on a confirm channel of its own on the connection's current generation, for the
 * operator tools (dead letters, migration); the channel closes afterwards whatever happens.
 */
export async function withToolChannel<T>(
  connection: QueueConnection,
  tool: string,
  work: (channel: ConfirmChannel) => Promise<T>,
): Promise<T> {
  if (!(connection instanceof ManagedConnection)) {
    throw queueMisconfigured(`${tool} needs a connection from createQueueConnection`);
  }
  const generation = connection.current;
  if (generation === undefined || generation.closed) {
    throw queueUnavailable('RabbitMQ is not connected');
  }
  const channel = await generation.model.createConfirmChannel();
  channel.on('error', (error: unknown) => {
    connection.logger.warn({ err: describeError(error) }, `${tool} channel error`);
  });
  try {
    return await work(channel);
  } finally {
    await channel.close().catch(() => undefined);
  }
}
