import pg from 'pg';
import { SEED_PRODUCTS } from '@flowstack/domain';
import { baselineConfig } from '../baselines/baseline-config.js';
import type { PostgresTarget } from '../load/completion.js';
import type { DrainFigure } from '../report/results.js';
import { listeningLine, spawnNode, type BenchProcess } from '../stack/processes.js';
import { flowstackBacklog, naiveBacklog, type Rabbit } from '../stack/rabbit.js';
import type { BenchStack } from './bench-stack.js';

const SEED_IDS = SEED_PRODUCTS.map((product) => product.id);

/**
 * The same backlog for both workers, published while each is stopped, then drained: flowstack's
 * worker (batches) against the naive one (one INSERT per message). Returns the figures and the
 * flowstack worker's peak RSS.
 */
export async function measureDrains(options: {
  stack: BenchStack;
  rabbit: Rabbit;
  backlog: number;
  naiveWorkerScript: string;
  log: (line: string) => void;
}): Promise<{ drains: DrainFigure[]; workerPeakMb: number; naiveWorkerMb: number | undefined }> {
  const { stack, rabbit, log } = options;
  const env = stack.env;
  const drains: DrainFigure[] = [];
  log(`worker drain: publishing ${options.backlog} messages with the worker stopped`);
  const backlog = [...flowstackBacklog(options.backlog, SEED_IDS)];
  await rabbit.publishAll(env.ORDERS_EXCHANGE!, backlog);
  const worker = await stack.startService('worker');
  let workerPeakMb: number;
  try {
    drains.push(
      await timeDrain({
        id: 'flowstack-drain',
        label: 'flowstack worker (batches)',
        worker,
        rabbit,
        queue: env.ORDERS_QUEUE!,
        pgTarget: stack.pgTarget,
        table: 'orders',
        ids: backlog.map((entry) => entry.id),
      }),
    );
  } finally {
    workerPeakMb = worker.peakRssMb() ?? 0;
    await worker.stop();
  }
  log(`naive drain: publishing ${options.backlog} messages with the naive worker stopped`);
  const naiveMessages = [...naiveBacklog(options.backlog, SEED_IDS)];
  await rabbit.publishAll(baselineConfig(env).exchange, naiveMessages);
  const naive = await spawnNode({
    name: 'naive worker',
    script: options.naiveWorkerScript,
    env,
    readyWhen: listeningLine('naive-worker'),
  });
  let naiveWorkerMb: number | undefined;
  try {
    drains.push(
      await timeDrain({
        id: 'naive-drain',
        label: 'naive worker (one INSERT per message)',
        worker: naive,
        rabbit,
        queue: baselineConfig(env).queue,
        pgTarget: stack.pgTarget,
        table: 'bench_naive_orders',
        ids: naiveMessages.map((entry) => entry.id),
      }),
    );
  } finally {
    naiveWorkerMb = naive.peakRssMb();
    await naive.stop();
  }
  for (const drain of drains) {
    log(
      `${drain.label}: ${drain.messagesPerSecond.toFixed(0)} messages/s (${drain.stored}/${drain.messages} in ${drain.seconds} s)`,
    );
  }
  return { drains, workerPeakMb, naiveWorkerMb };
}

/**
 * Waits (bounded) until the backlog is consumed and every row is stored, then reads the first and
 * last stored_at: the rate does not depend on how often we polled.
 */
async function timeDrain(options: {
  id: string;
  label: string;
  worker: BenchProcess;
  rabbit: Rabbit;
  queue: string;
  pgTarget: PostgresTarget;
  table: 'orders' | 'bench_naive_orders';
  ids: readonly string[];
}): Promise<DrainFigure> {
  const { ids } = options;
  const started = Date.now();
  const deadline = started + Math.max(120_000, ids.length * 5);
  const client = new pg.Client(options.pgTarget);
  await client.connect();
  try {
    const count = async () => {
      const { rows } = await client.query<{ n: number; first: Date | null; last: Date | null }>(
        `SELECT count(*)::int AS n, min(stored_at) AS first, max(stored_at) AS last FROM ${options.table} WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      return rows[0]!;
    };
    while (Date.now() < deadline && (await options.rabbit.depth(options.queue)) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    let result = await count();
    while (result.n < ids.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      result = await count();
    }
    const wallSeconds = (Date.now() - started) / 1000;
    const seconds =
      result.first === null || result.last === null
        ? wallSeconds
        : Math.max(0.001, (result.last.getTime() - result.first.getTime()) / 1000);
    return {
      id: options.id,
      label: options.label,
      messages: ids.length,
      stored: result.n,
      seconds: Math.round(seconds * 100) / 100,
      messagesPerSecond: Math.round((result.n / seconds) * 10) / 10,
      wallSeconds: Math.round(wallSeconds * 100) / 100,
      peakRssMb: options.worker.peakRssMb(),
    };
  } finally {
    await client.end();
  }
}
