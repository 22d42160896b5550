import { ConfigError, loadConfig, type Env } from '@flowstack/config';
import { ORDER_CREATED } from '@flowstack/domain';
import { AppError, runCli, type CliIo, type CliValues } from '@flowstack/errors';
import { migrateQueues } from '@flowstack/queue';
import { rabbitmqNodes } from '@flowstack/service-kit';
import { workerConfigSchema, type WorkerConfig } from '../../config.js';
import { openCliQueueConnection } from './cli-queue-connection.js';

export const USAGE = `Usage: queues migrate [--queue NAME]

Commands:
  migrate  Re-declare the order queue, its retry queues and its dead-letter queue with the type
           RABBITMQ_QUEUE_TYPE names (quorum by default) where they exist with another type or
           other arguments, moving every message. A queue's type cannot change in place.

Stop every worker first (it refuses while the queue has consumers); the api may keep accepting
orders. The broker and queue come from the worker's environment (RABBITMQ_*, ORDERS_QUEUE,
ORDERS_EXCHANGE, WORKER_RETRY_DELAYS_MS); --queue overrides ORDERS_QUEUE. Run it as the broker's
administrator (RABBITMQ_USER/RABBITMQ_PASSWORD of an administrator): the worker's own user may
neither publish to the default exchange nor declare the holding queues it moves messages through.
Running it again when nothing is left to migrate changes nothing.`;

const OPTIONS = { queue: { type: 'string' } } as const;

function parseCommand(
  values: CliValues<typeof OPTIONS>,
  positionals: string[],
): { queue: string | undefined } {
  const [name, ...rest] = positionals;
  if (name !== 'migrate') {
    throw AppError.usage(
      name === undefined ? 'A command is required.' : `Unknown command "${name}".`,
    );
  }
  if (rest.length > 0) throw AppError.usage(`Unexpected argument "${rest[0]}".`);
  const queue = values.queue;
  if (queue !== undefined && queue.trim() === '') {
    throw AppError.usage('--queue must not be empty.');
  }
  return { queue };
}

/** `queues migrate`: returns the exit code (0 done, 1 broker failure, 2 bad usage or config). */
export function runQueuesCli(argv: readonly string[], env: Env, io: CliIo): Promise<number> {
  return runCli(
    {
      name: 'queues',
      usage: USAGE,
      options: OPTIONS,
      allowPositionals: true,
      usageErrors: [ConfigError],
      run: ({ values, positionals }) =>
        migrate(
          parseCommand(values, positionals),
          loadConfig('queues', workerConfigSchema, env),
          io,
        ),
    },
    argv,
    io,
  );
}

async function migrate(
  command: { queue: string | undefined },
  config: WorkerConfig,
  io: CliIo,
): Promise<number> {
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
