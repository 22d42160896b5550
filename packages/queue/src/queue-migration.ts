import type { ConfirmChannel, GetMessage } from 'amqplib';
import { describeError, queueMisconfigured } from './queue-errors.js';
import { withToolChannel } from './tool-channel.js';
import {
  consumerQueues,
  movesExchangeName,
  type ConsumerTopology,
  type QueueDeclaration,
} from './topology.js';
import type { QueueConnection, QueueType } from './types.js';

const TOOL = 'queue migration';
/** Messages moved per confirm round; a crash of the migration may duplicate at most one round. */
const MOVE_BATCH = 100;

export interface QueueMigrationReport {
  /** Queues re-declared with the new type or arguments, with the messages they carried over. */
  migrated: { queue: string; moved: number }[];
  /** Queues that already had the right type and arguments (or did not exist and were created). */
  unchanged: string[];
}

export interface QueueMigrationOptions {
  /** One line per step, for the command's output. */
  progress?: (line: string) => void;
}

/**
 * Re-declares a consumer's queues (main, retry, dead-letter) with the type and arguments of
 * `topology` where they exist with others (classic -> quorum, or back), moving their messages. A
 * queue's type cannot change in place, so each stale queue is emptied into a holding queue,
 * deleted, declared anew and refilled; every message is copied with a publisher confirm before
 * its original is acked, so none is lost, and none is doubled unless the migration itself dies
 * between a confirm and its ack (then at most one batch, which idempotent consumers absorb).
 *
 * Run with the consumers stopped (it refuses otherwise); publishers may keep publishing: the main
 * queue's bindings move to the holding queue while it is rebuilt. For the moment between unbinding
 * one and binding the other a publish finds no queue and is returned (the publisher answers 503,
 * the client retries) rather than going to both. Retry queues are emptied into the main queue, so
 * a message waiting for its retry delay is retried at once: nothing can dead-letter into a main
 * queue that is being rebuilt.
 */
export async function migrateQueues(
  connection: QueueConnection,
  topology: ConsumerTopology,
  options: QueueMigrationOptions = {},
): Promise<QueueMigrationReport> {
  const say = options.progress ?? (() => undefined);
  const [main, dead, ...retries] = consumerQueues(topology);
  if (main === undefined || dead === undefined) throw queueMisconfigured('no queues to migrate');
  const stale = new Set<string>();
  const unchanged: string[] = [];
  for (const queue of [main, dead, ...retries]) {
    if (await declaredDifferently(connection, queue)) stale.add(queue.name);
    else unchanged.push(queue.name);
  }
  // A migration that died half-way left a holding queue: finish that queue's rebuild.
  for (const queue of [main, dead]) {
    const name = holdingName(queue.name);
    if (await exists(connection, (channel) => channel.checkQueue(name))) {
      stale.add(queue.name);
      unchanged.splice(unchanged.indexOf(queue.name), 1);
    }
  }
  const report: QueueMigrationReport = { migrated: [], unchanged };
  if (stale.size === 0) {
    say(`queues of ${main.name} are up to date (${topology.queueType ?? 'quorum'})`);
    return report;
  }
  await refuseWhileConsumed(connection, main.name);
  const type = topology.queueType ?? 'quorum';
  const holdingArguments = type === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
  const exchangeExists = await exists(connection, (channel) =>
    channel.checkExchange(topology.exchange),
  );
  const bindings = exchangeExists ? topology.routingKeys : [];
  const holdingMain = holdingName(main.name);
  const moved = new Map<string, number>();
  const count = (queue: string, n: number) => moved.set(queue, (moved.get(queue) ?? 0) + n);

  const moves = movesExchangeName(main.name);
  await withToolChannel(connection, TOOL, async (channel) => {
    // A deployment from before the moves exchange has none yet; the rebuilt queues bind to it.
    await channel.assertExchange(moves, 'direct', { durable: true });
    if (stale.has(main.name)) {
      await channel.assertQueue(holdingMain, { durable: true, arguments: holdingArguments });
      for (const key of bindings) {
        // Unbind first: a publish in between is returned (503), never delivered to both.
        await channel.unbindQueue(main.name, topology.exchange, key);
        await channel.bindQueue(holdingMain, topology.exchange, key);
      }
      say(`${main.name}: publishes go to ${holdingMain} while it is rebuilt`);
    }
    const mainTarget = stale.has(main.name) ? holdingMain : main.name;
    for (const retry of retries) {
      if (!stale.has(retry.name)) continue;
      count(retry.name, await moveAll(connection, retry.name, mainTarget));
      await rebuild(connection, channel, moves, retry, mainTarget, count);
      say(`${retry.name}: re-declared; its ${moved.get(retry.name) ?? 0} message(s) retry now`);
    }
    if (stale.has(dead.name)) {
      const holdingDead = holdingName(dead.name);
      await channel.assertQueue(holdingDead, { durable: true, arguments: holdingArguments });
      count(dead.name, await moveAll(connection, dead.name, holdingDead));
      await rebuild(connection, channel, moves, dead, holdingDead, count);
      await moveAll(connection, holdingDead, dead.name);
      await deleteEmpty(connection, holdingDead, type);
      say(`${dead.name}: re-declared with its ${moved.get(dead.name) ?? 0} dead letter(s)`);
    }
    if (stale.has(main.name)) {
      count(main.name, await moveAll(connection, main.name, holdingMain));
      await rebuild(connection, channel, moves, main, holdingMain, count);
      for (const key of bindings) {
        await channel.unbindQueue(holdingMain, topology.exchange, key);
        await channel.bindQueue(main.name, topology.exchange, key);
      }
      // Whatever was published meanwhile is in the holding queue too; it follows.
      for (;;) {
        await moveAll(connection, holdingMain, main.name);
        if (await deleteEmpty(connection, holdingMain, type)) break;
      }
      say(`${main.name}: re-declared with ${moved.get(main.name) ?? 0} message(s)`);
    }
  });
  report.migrated = [...stale].map((queue) => ({ queue, moved: moved.get(queue) ?? 0 }));
  return report;
}

export function holdingName(queue: string): string {
  return `${queue}.migrating`;
}

/**
 * Deletes `queue` once empty (a message may still arrive, e.g. a retry expiring) and declares it
 * anew; whatever arrived before the delete went to `spill` first.
 */
async function rebuild(
  connection: QueueConnection,
  channel: ConfirmChannel,
  moves: string,
  queue: QueueDeclaration,
  spill: string,
  count: (queue: string, n: number) => void,
): Promise<void> {
  // Counted, never if-empty: the queue may be of either type (a quorum queue whose arguments
  // changed, a migration resumed after its main queue was declared anew), and if-empty on a quorum
  // queue closes the connection. Nothing routes to it any more, so the count holds.
  while (!(await deleteEmpty(connection, queue.name, 'quorum'))) {
    count(queue.name, await moveAll(connection, queue.name, spill));
  }
  await channel.assertQueue(queue.name, { durable: true, arguments: queue.arguments });
  // Deleting the queue took its binding to the moves exchange with it: copies route by it.
  await channel.bindQueue(queue.name, moves, queue.name);
}

/** True when the queue exists with other arguments (the declaration is refused with 406). */
async function declaredDifferently(
  connection: QueueConnection,
  queue: QueueDeclaration,
): Promise<boolean> {
  try {
    await withToolChannel(connection, TOOL, (channel) =>
      channel.assertQueue(queue.name, { durable: true, arguments: queue.arguments }),
    );
    return false;
  } catch (error) {
    if (/inequivalent arg/.test(describeError(error))) return true;
    throw error;
  }
}

async function refuseWhileConsumed(connection: QueueConnection, queue: string): Promise<void> {
  const { consumerCount } = await withToolChannel(connection, TOOL, (channel) =>
    channel.checkQueue(queue),
  );
  if (consumerCount > 0) {
    throw queueMisconfigured(
      `${queue} has ${consumerCount} consumer(s): stop the workers before migrating its queues`,
    );
  }
}

async function exists(
  connection: QueueConnection,
  check: (channel: ConfirmChannel) => Promise<unknown>,
): Promise<boolean> {
  try {
    await withToolChannel(connection, TOOL, check);
    return true;
  } catch {
    return false;
  }
}

/**
 * Deletes `queue` if it is empty (or gone); false when messages arrived meanwhile. A classic queue
 * is deleted with if-empty, which the broker checks atomically. A quorum queue refuses if-empty
 * with 540 NOT_IMPLEMENTED, closing the whole connection (RabbitMQ 3.10), so it is counted first:
 * it is only deleted once nothing routes to it any more (unbound, its sources emptied).
 */
async function deleteEmpty(
  connection: QueueConnection,
  queue: string,
  type: QueueType,
): Promise<boolean> {
  try {
    await withToolChannel(connection, TOOL, async (channel) => {
      if (type === 'classic') {
        await channel.deleteQueue(queue, { ifEmpty: true });
        return;
      }
      const { messageCount } = await channel.checkQueue(queue);
      if (messageCount > 0) throw new Error('not empty');
      await channel.deleteQueue(queue);
    });
    return true;
  } catch (error) {
    if (/not empty/i.test(describeError(error))) return false;
    if (/NOT_FOUND/.test(describeError(error))) return true;
    throw error;
  }
}

/**
 * Moves every message of `from` to `to` through the default exchange, confirmed before acked, on
 * a channel of its own (fresh for a queue just declared again under its old name).
 */
async function moveAll(connection: QueueConnection, from: string, to: string): Promise<number> {
  return withToolChannel(connection, TOOL, (channel) => moveAllOn(channel, from, to));
}

async function moveAllOn(channel: ConfirmChannel, from: string, to: string): Promise<number> {
  let moved = 0;
  for (;;) {
    const batch: GetMessage[] = [];
    while (batch.length < MOVE_BATCH) {
      const message = await channel.get(from, { noAck: false });
      if (message === false) break;
      batch.push(message);
    }
    const last = batch.at(-1);
    if (last === undefined) return moved;
    for (const message of batch) {
      const properties = message.properties;
      const kept: Record<string, unknown> = { ...properties.headers };
      // The queue's own redelivery count starts again in the new queue.
      delete kept['x-delivery-count'];
      channel.publish('', to, message.content, {
        persistent: true,
        messageId: properties.messageId as string | undefined,
        contentType: properties.contentType as string | undefined,
        contentEncoding: properties.contentEncoding as string | undefined,
        timestamp: properties.timestamp as number | undefined,
        type: properties.type as string | undefined,
        correlationId: properties.correlationId as string | undefined,
        headers: kept,
      });
    }
    await channel.waitForConfirms();
    channel.ack(last, true);
    moved += batch.length;
  }
}
