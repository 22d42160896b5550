import { ConfigError, loadConfig, type Env } from '@flowstack/config';
import { AppError, runCli, type CliIo, type CliValues } from '@flowstack/errors';
import { listDeadLetters, replayDeadLetters, type DeadLetter } from '@flowstack/queue';
import { rabbitmqNodes } from '@flowstack/service-kit';
import { workerConfigSchema, type WorkerConfig } from '../../config.js';
import { openCliQueueConnection } from './cli-queue-connection.js';

export const USAGE = `Usage: dlq <command> [--limit N] [--queue NAME]

Commands:
  list     Print up to N dead letters (default 20) as JSON lines; they stay queued.
  replay   Move up to N dead letters (default 100) back to the queue with their attempts reset.

The broker and queue come from the worker's environment (RABBITMQ_*, ORDERS_QUEUE);
--queue overrides ORDERS_QUEUE. Fix the cause before replaying: a message that still fails
comes back to the dead-letter queue.`;

interface Command {
  name: 'list' | 'replay';
  limit: number;
  queue: string | undefined;
}

const OPTIONS = { limit: { type: 'string' }, queue: { type: 'string' } } as const;

function parseCommand(values: CliValues<typeof OPTIONS>, positionals: string[]): Command {
  const [name, ...rest] = positionals;
  if (name !== 'list' && name !== 'replay') {
    throw AppError.usage(
      name === undefined ? 'A command is required.' : `Unknown command "${name}".`,
    );
  }
  if (rest.length > 0) throw AppError.usage(`Unexpected argument "${rest[0]}".`);
  const rawLimit = values.limit;
  const limit = rawLimit === undefined ? (name === 'list' ? 20 : 100) : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000 || !/^\d+$/.test(rawLimit ?? '1')) {
    throw AppError.usage(`--limit must be a whole number from 1 to 100000, not "${rawLimit}".`);
  }
  const queue = values.queue;
  if (queue !== undefined && queue.trim() === '') {
    throw AppError.usage('--queue must not be empty.');
  }
  return { name, limit, queue };
}

const SENSITIVE_KEY = /e-?mail|password|secret|token|authorization/i;

/** Dead letters carry customer data: e-mails and anything secret-looking are masked on display. */
export function maskSensitive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSensitive);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      SENSITIVE_KEY.test(key) && typeof inner === 'string' ? '[masked]' : maskSensitive(inner),
    ]),
  );
}

function describeLetter(letter: DeadLetter): string {
  return JSON.stringify({
    messageId: letter.messageId,
    reason: letter.reason,
    attempt: letter.attempt,
    queue: letter.queue,
    routingKey: letter.routingKey,
    deadLetteredAt: letter.deadLetteredAt,
    body: maskSensitive(letter.body),
  });
}

/**
 * `dlq list|replay`: returns the exit code (0 done, 1 broker failure, 2 bad usage or config)
 * instead of exiting, so it can be tested in-process.
 */
export function runDeadLetterCli(argv: readonly string[], env: Env, io: CliIo): Promise<number> {
  return runCli(
    {
      name: 'dlq',
      usage: USAGE,
      options: OPTIONS,
      allowPositionals: true,
      usageErrors: [ConfigError],
      run: ({ values, positionals }) =>
        runCommand(
          parseCommand(values, positionals),
          loadConfig('dlq', workerConfigSchema, env),
          io,
        ),
    },
    argv,
    io,
  );
}

async function runCommand(command: Command, config: WorkerConfig, io: CliIo): Promise<number> {
  const queue = command.queue ?? config.ORDERS_QUEUE;
  const connection = openCliQueueConnection(config, 'dlq');
  try {
    await connection.waitUntilConnected(10_000);
    if (command.name === 'list') {
      const letters = await listDeadLetters(connection, queue, command.limit);
      for (const letter of letters) io.out(describeLetter(letter));
      io.err(`${letters.length} dead letter(s) shown from ${queue}.dead`);
    } else {
      const replayed = await replayDeadLetters(connection, queue, command.limit);
      io.err(`replayed ${replayed} dead letter(s) from ${queue}.dead to ${queue}`);
    }
    return 0;
  } catch (error) {
    io.err(
      `dlq: ${command.name} failed on RabbitMQ ${rabbitmqNodes(config)}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
    return 1;
  } finally {
    await connection.close().catch(() => undefined);
  }
}
