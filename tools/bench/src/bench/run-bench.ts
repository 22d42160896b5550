import { randomUUID } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { SEED_PRODUCTS } from '@flowstack/domain';
import { baselineConfig, NAIVE_TABLE_SQL } from '../baselines/baseline-config.js';
import {
  databaseCompletionSource,
  type CompletionSource,
  type PostgresTarget,
} from '../load/completion.js';
import { runLoad, type LoadRequest } from '../load/run-load.js';
import {
  AcceptedOrders,
  missRequests,
  mixedRequests,
  readRequests,
  writeRequests,
} from '../load/scenarios.js';
import { waitForCompletion } from '../load/completion.js';
import { createProgress } from '../report/progress.js';
import { computeChecks, computeRatios } from '../report/ratios.js';
import type { BenchResults, DrainFigure, Machine, RunFigure } from '../report/results.js';
import {
  missProductIds,
  postgresTargetOf,
  prepareDatabase,
  seedBenchTables,
  spawnService,
  stackEnvironment,
} from '../stack/local-stack.js';
import { listeningLine, spawnNode, type BenchProcess } from '../stack/processes.js';
import { flowstackBacklog, naiveBacklog, openRabbit, type Rabbit } from '../stack/rabbit.js';

export interface BenchSettings {
  durationSeconds: number;
  /** Times each short path is measured; the median round is reported. */
  rounds: number;
  warmupSeconds: number;
  connections: number;
  pipelineSeconds: number;
  halfRateSeconds: number;
  backlog: number;
  /** Products seeded for cache misses: more than a miss run can read. */
  missProducts: number;
  log: (line: string) => void;
  progress: boolean;
}

const BASELINE_SCRIPT = fileURLToPath(new URL('../baselines/baseline-server.js', import.meta.url));
const NAIVE_WORKER_SCRIPT = fileURLToPath(new URL('../baselines/naive-worker.js', import.meta.url));
const SEED_IDS = SEED_PRODUCTS.map((product) => product.id);

export function describeMachine(): Machine {
  return {
    nproc: cpus().length,
    memoryMb: Math.round(totalmem() / 2 ** 20),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/**
 * The whole benchmark: baselines, flowstack's paths, the pipeline, the drains and the peak RSS,
 * one after the other so they do not compete for the two cores.
 */
export async function runBench(settings: BenchSettings): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  const runId = randomUUID().slice(0, 8);
  const env = stackEnvironment({
    POSTGRES_DB: process.env.BENCH_POSTGRES_DB ?? 'flowstack_bench',
    ORDERS_EXCHANGE: `flowstack.bench.${runId}`,
    ORDERS_QUEUE: `flowstack.bench.${runId}.store`,
    // A fresh prefix: every cache starts cold, and keys of earlier runs do not count.
    REDIS_KEY_PREFIX: `flowstack:bench:${runId}:`,
    BASELINE_EXCHANGE: `bench.baseline.${runId}`,
    BASELINE_QUEUE: `bench.baseline.${runId}.orders`,
  });
  const log = settings.log;
  const pgTarget = postgresTargetOf(env);
  log(
    `preparing database ${pgTarget.database} and ${settings.missProducts} products for cache misses`,
  );
  await prepareDatabase(env);
  await seedBenchTables(pgTarget, settings.missProducts, [NAIVE_TABLE_SQL]);
  const missIds = missProductIds(settings.missProducts);
  const rabbit = await openRabbit(baselineConfig(env).rabbitmqUrl);
  const orders = await databaseCompletionSource(pgTarget);
  const naiveOrders = await databaseCompletionSource(pgTarget, 'bench_naive_orders');
  const runs: RunFigure[] = [];
  const drains: DrainFigure[] = [];
  const baselineRss: { publishMb: number | undefined; naiveWorkerMb: number | undefined } = {
    publishMb: undefined,
    naiveWorkerMb: undefined,
  };
  const measure = async (
    figure: Omit<RunFigure, 'load'>,
    url: string,
    requests: () => LoadRequest[],
    options: {
      seconds?: number;
      rate?: number;
      warmup?: boolean;
      sampleQueue?: string;
      /** False: the caller keeps the run (rounds). */
      keep?: boolean;
    } = {},
  ): Promise<RunFigure> => {
    const seconds = options.seconds ?? settings.durationSeconds;
    if (options.warmup !== false && settings.warmupSeconds > 0) {
      await runLoad({
        name: `${figure.id} warm-up`,
        url,
        requests: requests(),
        durationSeconds: settings.warmupSeconds,
        connections: settings.connections,
      });
    }
    const progress = settings.progress
      ? createProgress(figure.label, seconds)
      : { tick: () => undefined, done: () => undefined };
    const depth: number[] = [];
    const load = await runLoad({
      name: figure.id,
      url,
      requests: requests(),
      durationSeconds: seconds,
      connections: settings.connections,
      ...(options.rate === undefined ? {} : { rate: options.rate }),
      onTick: (completed, elapsed) => {
        progress.tick(completed, elapsed);
        const queue = options.sampleQueue;
        if (queue !== undefined) {
          void rabbit.depth(queue).then((value) => depth.push(value));
        }
      },
    });
    progress.done();
    const result: RunFigure = {
      ...figure,
      load,
      ...(options.sampleQueue === undefined ? {} : { queueDepth: depth }),
    };
    if (options.keep !== false) runs.push(result);
    log(
      `${figure.label}: ${load.requestsPerSecond.toFixed(0)} req/s, p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms, errors ${load.errors}, non-2xx ${JSON.stringify(load.non2xx)}`,
    );
    return result;
  };
  const withCompletion = async (
    run: RunFigure,
    source: CompletionSource,
    accepted: AcceptedOrders,
  ) => {
    run.completion = await waitForCompletion(source, accepted.ids, { timeoutMs: 180_000 });
    log(
      `  accepted ${run.completion.accepted}, stored ${run.completion.stored}; end-to-end p50 ${run.completion.endToEndMs.p50} ms, p99 ${run.completion.endToEndMs.p99} ms`,
    );
  };

  const processes: BenchProcess[] = [];
  const started = async (process: Promise<BenchProcess>) => {
    const running = await process;
    processes.push(running);
    return running;
  };
  try {
    // Every process starts now and idles while others are measured. Paths are then measured in
    // rounds, each baseline right before the flowstack path it is compared with, and the median
    // round is kept: a noisy neighbour then hits both sides of a ratio alike.
    log('starting the baseline processes and flowstack (worker, api)');
    const publishOnlyQueue = `${baselineConfig(env).queue}.unconsumed`;
    const publishOnlyExchange = `${baselineConfig(env).exchange}.unconsumed`;
    const baseline = (mode: string, extraEnv: Record<string, string> = {}) =>
      started(
        spawnNode({
          name: `baseline ${mode}`,
          script: BASELINE_SCRIPT,
          args: [mode],
          env: { ...env, ...extraEnv },
          readyWhen: listeningLine('baseline'),
        }),
      );
    const servers = {
      http: await baseline('http'),
      express: await baseline('express'),
      redis: await baseline('express-redis'),
      pg: await baseline('express-pg'),
      publish: await baseline('express-publish', {
        BASELINE_EXCHANGE: publishOnlyExchange,
        BASELINE_QUEUE: publishOnlyQueue,
      }),
      naivePublish: await baseline('express-publish'),
    };
    const naiveWorker = await started(
      spawnNode({
        name: 'naive worker',
        script: NAIVE_WORKER_SCRIPT,
        env,
        readyWhen: listeningLine('naive-worker'),
      }),
    );
    let worker = await started(spawnService('worker', env));
    const api = await started(spawnService('api', env));

    let missCursor = 0;
    const nextMissIds = () => {
      // Each measurement walks ids nobody has read yet, warm-up included.
      const slice = missIds.slice(missCursor);
      missCursor += Math.floor(missIds.length / (4 * settings.rounds + 4));
      return slice;
    };
    const paths: {
      figure: Omit<RunFigure, 'load'>;
      url: string;
      requests: (accepted: AcceptedOrders) => LoadRequest[];
      completion?: CompletionSource;
      after?: () => Promise<void>;
    }[] = [
      {
        figure: { id: 'http', label: 'node:http hello', group: 'baseline' },
        url: servers.http.url,
        requests: () => [{ path: '/hello' }],
      },
      {
        figure: { id: 'express', label: 'Express hello', group: 'baseline' },
        url: servers.express.url,
        requests: () => [{ path: '/hello' }],
      },
      {
        figure: { id: 'express-redis', label: 'Express + ioredis GET', group: 'baseline' },
        url: servers.redis.url,
        requests: () => [{ path: `/v1/products/${SEED_IDS[0]!}` }],
      },
      {
        figure: { id: 'read-hit', label: 'flowstack read, cache hit', group: 'flowstack' },
        url: api.url,
        requests: () => readRequests(SEED_IDS),
      },
      {
        figure: { id: 'express-pg', label: 'Express + pg SELECT by key', group: 'baseline' },
        url: servers.pg.url,
        requests: () => [{ path: `/v1/products/${SEED_IDS[0]!}` }],
      },
      {
        figure: { id: 'read-miss', label: 'flowstack read, cache miss', group: 'flowstack' },
        url: api.url,
        requests: () => missRequests(nextMissIds()),
      },
      {
        figure: {
          id: 'express-publish',
          label: 'Express POST + confirmed publish',
          group: 'baseline',
        },
        url: servers.publish.url,
        requests: (accepted) => writeRequests(SEED_IDS, accepted),
        after: () => rabbit.purge(publishOnlyQueue),
      },
      {
        figure: { id: 'write', label: 'flowstack write (POST /v1/orders)', group: 'flowstack' },
        url: api.url,
        requests: (accepted) => writeRequests(SEED_IDS, accepted),
        completion: orders,
      },
      {
        figure: { id: 'mixed', label: 'flowstack mixed (4 reads : 1 write)', group: 'flowstack' },
        url: api.url,
        requests: (accepted) => mixedRequests(SEED_IDS, accepted),
        completion: orders,
      },
    ];
    const rounds = new Map<string, RunFigure[]>();
    for (let round = 1; round <= settings.rounds; round += 1) {
      log(`round ${round} of ${settings.rounds}`);
      for (const path of paths) {
        const accepted = new AcceptedOrders();
        const run = await measure(path.figure, path.url, () => path.requests(accepted), {
          warmup: round === 1,
          keep: false,
        });
        if (path.completion !== undefined) await withCompletion(run, path.completion, accepted);
        await path.after?.();
        rounds.set(path.figure.id, [...(rounds.get(path.figure.id) ?? []), run]);
      }
    }
    for (const path of paths) {
      const all = rounds.get(path.figure.id) ?? [];
      const median = medianRun(all);
      if (median !== undefined)
        runs.push({
          ...median,
          roundsRequestsPerSecond: all.map((run) => run.load.requestsPerSecond),
        });
    }
    {
      const accepted = new AcceptedOrders();
      const run = await measure(
        {
          id: 'naive-pipeline',
          label: 'naive pipeline (POST + publish + one INSERT)',
          group: 'baseline',
        },
        servers.naivePublish.url,
        () => writeRequests(SEED_IDS, accepted),
        { seconds: settings.pipelineSeconds, sampleQueue: baselineConfig(env).queue },
      );
      await withCompletion(run, naiveOrders, accepted);
    }
    let pipelineRate = 0;
    {
      const accepted = new AcceptedOrders();
      const run = await measure(
        { id: 'pipeline', label: 'flowstack pipeline sustained', group: 'flowstack' },
        api.url,
        () => writeRequests(SEED_IDS, accepted),
        { seconds: settings.pipelineSeconds, warmup: false, sampleQueue: env.ORDERS_QUEUE! },
      );
      await withCompletion(run, orders, accepted);
      pipelineRate = run.load.requestsPerSecond;
    }
    {
      const accepted = new AcceptedOrders();
      const rate = Math.max(1, Math.round(pipelineRate / 2));
      const run = await measure(
        {
          id: 'pipeline-half-rate',
          label: `flowstack pipeline at half rate (${rate}/s)`,
          group: 'flowstack',
        },
        api.url,
        () => writeRequests(SEED_IDS, accepted),
        { seconds: settings.halfRateSeconds, rate, warmup: false, sampleQueue: env.ORDERS_QUEUE! },
      );
      await withCompletion(run, orders, accepted);
    }
    const apiPeak = api.peakRssMb();
    let workerPeak = worker.peakRssMb() ?? 0;
    baselineRss.publishMb = servers.publish.peakRssMb();
    runs.forEach((run) => {
      if (run.group === 'flowstack') run.peakRssMb = apiPeak;
      if (run.id === 'express-publish') run.peakRssMb = baselineRss.publishMb;
    });
    await api.stop();
    await worker.stop();
    await naiveWorker.stop();
    for (const server of Object.values(servers)) await server.stop();

    // --- drains: the same backlog size for both workers, published while they are stopped ---
    log(`worker drain: publishing ${settings.backlog} messages with the worker stopped`);
    const backlog = [...flowstackBacklog(settings.backlog, SEED_IDS)];
    await rabbit.publishAll(env.ORDERS_EXCHANGE!, backlog);
    worker = await started(spawnService('worker', env));
    try {
      drains.push(
        await timeDrain(
          'flowstack-drain',
          'flowstack worker (batches)',
          worker,
          rabbit,
          env.ORDERS_QUEUE!,
          pgTarget,
          'orders',
          backlog.map((entry) => entry.id),
        ),
      );
    } finally {
      workerPeak = Math.max(workerPeak, worker.peakRssMb() ?? 0);
      await worker.stop();
    }
    log(`naive drain: publishing ${settings.backlog} messages with the naive worker stopped`);
    const naiveMessages = [...naiveBacklog(settings.backlog, SEED_IDS)];
    await rabbit.publishAll(baselineConfig(env).exchange, naiveMessages);
    const drainingNaive = await started(
      spawnNode({
        name: 'naive worker',
        script: NAIVE_WORKER_SCRIPT,
        env,
        readyWhen: listeningLine('naive-worker'),
      }),
    );
    try {
      drains.push(
        await timeDrain(
          'naive-drain',
          'naive worker (one INSERT per message)',
          drainingNaive,
          rabbit,
          baselineConfig(env).queue,
          pgTarget,
          'bench_naive_orders',
          naiveMessages.map((entry) => entry.id),
        ),
      );
    } finally {
      baselineRss.naiveWorkerMb = drainingNaive.peakRssMb();
      await drainingNaive.stop();
    }
    for (const drain of drains) {
      log(
        `${drain.label}: ${drain.messagesPerSecond.toFixed(0)} messages/s (${drain.stored}/${drain.messages} in ${drain.seconds} s)`,
      );
    }

    const rss = {
      apiMb: runs.find((run) => run.id === 'read-hit')?.peakRssMb,
      workerMb: workerPeak === 0 ? undefined : workerPeak,
    };
    return {
      version: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine,
      settings: {
        durationSeconds: settings.durationSeconds,
        rounds: settings.rounds,
        connections: settings.connections,
        pipelineSeconds: settings.pipelineSeconds,
        halfRateSeconds: settings.halfRateSeconds,
        backlog: settings.backlog,
        workerBatchSize: env.WORKER_BATCH_SIZE ?? 'default',
        workerPrefetch: env.WORKER_PREFETCH ?? 'default',
      },
      runs,
      drains,
      rss,
      ratios: computeRatios({ runs, drains, rss, baselineRss }),
      checks: computeChecks(runs),
      profiles: [],
    };
  } finally {
    for (const running of processes) await running.stop();
    await orders.close();
    await naiveOrders.close();
    await rabbit.deleteQueues(
      env.ORDERS_QUEUE!,
      `${env.ORDERS_QUEUE!}.dead`,
      ...[1000, 5000, 30000].map((ms) => `${env.ORDERS_QUEUE!}.retry.${ms}`),
      baselineConfig(env).queue,
    );
    await rabbit.close();
  }
}

async function withPg<T>(
  target: PostgresTarget,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client(target);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Waits (bounded) until the backlog is consumed and every row is stored, then reads the first and
 * last stored_at: the rate does not depend on how often we polled.
 */
async function timeDrain(
  id: string,
  label: string,
  worker: BenchProcess,
  rabbit: Rabbit,
  queue: string,
  pgTarget: PostgresTarget,
  table: 'orders' | 'bench_naive_orders',
  ids: readonly string[],
): Promise<DrainFigure> {
  const started = Date.now();
  const deadline = started + Math.max(120_000, ids.length * 5);
  return withPg(pgTarget, async (client) => {
    const count = async () => {
      const { rows } = await client.query<{ n: number; first: Date | null; last: Date | null }>(
        `SELECT count(*)::int AS n, min(stored_at) AS first, max(stored_at) AS last FROM ${table} WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      return rows[0]!;
    };
    while (Date.now() < deadline && (await rabbit.depth(queue)) > 0) {
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
      id,
      label,
      messages: ids.length,
      stored: result.n,
      seconds: Math.round(seconds * 100) / 100,
      messagesPerSecond: Math.round((result.n / seconds) * 10) / 10,
      wallSeconds: Math.round(wallSeconds * 100) / 100,
      peakRssMb: worker.peakRssMb(),
    };
  });
}

/** The round with the median throughput (the lower middle for an even count). */
export function medianRun(runs: readonly RunFigure[]): RunFigure | undefined {
  const sorted = [...runs].sort((a, b) => a.load.requestsPerSecond - b.load.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
