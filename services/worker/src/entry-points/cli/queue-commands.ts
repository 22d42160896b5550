import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, workerConfigSchema, type Env } from '@flowstack/config';
import { ORDER_CREATED } from '@flowstack/domain';
import { migrateQueues } from '@flowstack/queue';
import { rabbitmqNodes } from '@flowstack/service-kit';
import { openCliQueueConnection } from './cli-queue-connection.js';
import type { CliIo } from './dead-letter-commands.js';

export const USAGE = `Usage: queues migrate [--queue NAME]

Commands:
  migrate  Re-declare the order queue, its retry queues and its dead-letter queue with the type
           RABBITMQ_QUEUE_TYPE names (quorum by default) where they exist with another type or
           other arguments, moving every message. A queue's type cannot change in place.

Stop every worker first (it refuses while the queue has consumers); the api may keep accepting
orders. The broker and queue come from the worker's environment (RABBITMQ_*, ORDERS_QUEUE,
ORDERS_EXCHANGE, WORKER_RETRY_DELAYS_MS); --queue overrides ORDERS_QUEUE. Running it again when
nothing is left to migrate changes nothing.`;

class UsageError extends Error {}

function parseCommand(argv: readonly string[]): { queue: string | undefined } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { queue: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const [name, ...rest] = parsed.positionals;
  if (parsed.values.help === true && name === undefined) throw new UsageError('');
  if (name !== 'migrate') {
    throw new UsageError(
      name === undefined ? 'A command is required.' : `Unknown command "${name}".`,
    );
  }
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);
  const queue = parsed.values.queue;
  if (queue !== undefined && queue.trim() === '')
    throw new UsageError('--queue must not be empty.');
  return { queue };
}

/** `queues migrate`: returns the exit code (0 done, 1 broker failure, 2 bad usage or config). */
export async function runQueuesCli(argv: readonly string[], env: Env, io: CliIo): Promise<number> {
  let command;
  let config;
  try {
    command = parseCommand(argv);
    config = loadConfig('queues', workerConfigSchema, env);
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message !== '') io.err(`queues: ${error.message}`);
      io.err(USAGE);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(`queues: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const connection = openCliQueueConnection(config, 'queues-migrate');
  try {
    await connection.waitUntilConnected(10_000);
    const report = await migrateQueues(
      connection,
      {
        queue: command.queue ?? config.ORDERS_QUEUE,
        exchange: config.ORDERS_EXCHANGE,
        routingKeys: [ORDER_CREATED],
        retryDelaysMs: config.WORKER_RETRY_DELAYS_MS,
        queueType: config.RABBITMQ_QUEUE_TYPE,
      },
      { progress: (line) => io.err(line) },
    );
    for (const { queue, moved } of report.migrated) {
      io.out(JSON.stringify({ queue, type: config.RABBITMQ_QUEUE_TYPE, moved }));
    }
    io.err(`${report.migrated.length} queue(s) migrated, ${report.unchanged.length} up to date`);
    return 0;
  } catch (error) {
    io.err(
      `queues: migrate failed on RabbitMQ ${rabbitmqNodes(config)}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
    return 1;
  } finally {
    await connection.close().catch(() => undefined);
  }
}
