import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { baselineConfig, NAIVE_TABLE_SQL } from '../baselines/baseline-config.js';
import { databaseCompletionSource } from '../load/completion.js';
import { computeChecks, computeRatios } from '../report/ratios.js';
import type { BenchResults, Machine, RecoveryFigure, RunFigure } from '../report/results.js';
import { missProductIds, seedBenchTables } from '../stack/local-stack.js';
import { listeningLine, spawnNode, type BenchProcess } from '../stack/processes.js';
import { openRabbit } from '../stack/rabbit.js';
import { openBenchStack, type BenchProfile } from './bench-stack.js';
import { measureDrains } from './drains.js';
import { createMeasure } from './measure.js';
import { measurePipeline } from './pipeline.js';
import { measureRecovery } from './recovery.js';
import { measureShortPaths } from './short-paths.js';

export interface BenchSettings {
  /** `vault` (the deployed configuration, default) or `no-vault`. */
  profile: BenchProfile;
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
  /** Broker outages of the recovery phase, and how long each lasts. */
  recoveryRuns: number;
  outageMs: number;
  log: (line: string) => void;
  progress: boolean;
}

const BASELINE_SCRIPT = fileURLToPath(new URL('../baselines/baseline-server.js', import.meta.url));
const NAIVE_WORKER_SCRIPT = fileURLToPath(new URL('../baselines/naive-worker.js', import.meta.url));

export function describeMachine(): Machine {
  return {
    nproc: cpus().length,
    memoryMb: Math.round(totalmem() / 2 ** 20),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadAverage(),
  };
}

const loadAverage = () => loadavg().map((value) => Math.round(value * 100) / 100);

/**
 * The whole benchmark, phase by phase so they do not compete for the cores: the stack (profile),
 * baselines and short paths in rounds, the pipeline, the drains, the peak RSS.
 */
export async function runBench(settings: BenchSettings): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  const log = settings.log;
  log(`profile ${settings.profile}: preparing the stack`);
  const stack = await openBenchStack(settings.profile);
  const { env, pgTarget } = stack;
  log(`seeding ${settings.missProducts} products for cache misses in ${pgTarget.database}`);
  await seedBenchTables(pgTarget, settings.missProducts, [NAIVE_TABLE_SQL]);
  const rabbit = await openRabbit(baselineConfig(env).rabbitmqUrl);
  const orders = await databaseCompletionSource(pgTarget);
  const naiveOrders = await databaseCompletionSource(pgTarget, 'bench_naive_orders');
  const measure = createMeasure(settings, rabbit);
  const processes: BenchProcess[] = [];
  const started = async (process: Promise<BenchProcess>) => {
    const running = await process;
    processes.push(running);
    return running;
  };
  try {
    // Every process starts now and idles while others are measured.
    log('starting the baseline processes and flowstack (worker, api)');
    const publishOnlyQueue = `${baselineConfig(env).queue}.unconsumed`;
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
        BASELINE_EXCHANGE: `${baselineConfig(env).exchange}.unconsumed`,
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
    const worker = await started(stack.startService('worker'));
    const api = await started(stack.startService('api'));

    const short = await measureShortPaths({
      urls: {
        http: servers.http.url,
        express: servers.express.url,
        redis: servers.redis.url,
        pg: servers.pg.url,
        publish: servers.publish.url,
        api: api.url,
      },
      rounds: settings.rounds,
      measure,
      orders,
      missIds: missProductIds(settings.missProducts),
      purgePublishOnly: () => rabbit.purge(publishOnlyQueue),
      vaultRequests: () => stack.vaultRequests(),
      log,
    });
    const pipeline = await measurePipeline({
      measure,
      naiveUrl: servers.naivePublish.url,
      apiUrl: api.url,
      naiveQueue: baselineConfig(env).queue,
      ordersQueue: env.ORDERS_QUEUE!,
      naiveOrders,
      orders,
      pipelineSeconds: settings.pipelineSeconds,
      halfRateSeconds: settings.halfRateSeconds,
      log,
    });
    const runs: RunFigure[] = [...short.runs, ...pipeline];
    const loadAverageAfterLoad = loadAverage();
    const apiPeak = api.peakRssMb();
    const publishMb = servers.publish.peakRssMb();
    for (const run of runs) {
      if (run.group === 'flowstack') run.peakRssMb = apiPeak;
      if (run.id === 'express-publish') run.peakRssMb = publishMb;
    }
    let workerPeak = worker.peakRssMb() ?? 0;
    await api.stop();
    await worker.stop();
    await naiveWorker.stop();
    for (const server of Object.values(servers)) await server.stop();

    const drained = await measureDrains({
      stack,
      rabbit,
      backlog: settings.backlog,
      naiveWorkerScript: NAIVE_WORKER_SCRIPT,
      log,
    });
    workerPeak = Math.max(workerPeak, drained.workerPeakMb);
    const rss = { apiMb: apiPeak, workerMb: workerPeak === 0 ? undefined : workerPeak };
    const recovery = await measureRecoveryPhase(settings, stack, orders);
    return {
      version: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: { ...machine, loadAverageAfterLoad, loadAverageAtEnd: loadAverage() },
      settings: {
        profile: settings.profile,
        durationSeconds: settings.durationSeconds,
        rounds: settings.rounds,
        connections: settings.connections,
        pipelineSeconds: settings.pipelineSeconds,
        halfRateSeconds: settings.halfRateSeconds,
        backlog: settings.backlog,
        workerBatchSize: env.WORKER_BATCH_SIZE ?? 'default',
        workerPrefetch: env.WORKER_PREFETCH ?? 'default',
      },
      vaultRequestsPerOrder: short.vaultRequestsPerOrder,
      runs,
      drains: drained.drains,
      rss,
      ratios: computeRatios({
        runs,
        drains: drained.drains,
        rss,
        baselineRss: { publishMb, naiveWorkerMb: drained.naiveWorkerMb },
        recovery: 'error' in recovery ? undefined : recovery,
      }),
      recovery: 'error' in recovery ? undefined : recovery,
      checks: computeChecks(runs, recovery),
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
      publishOnlyQueueOf(env),
    );
    await rabbit.close();
    await stack.stop();
  }
}

/**
 * The recovery phase with a worker of its own (the orders must be stored); a phase that cannot
 * run is a failed check in the report, not a lost bench.
 */
async function measureRecoveryPhase(
  settings: BenchSettings,
  stack: Awaited<ReturnType<typeof openBenchStack>>,
  orders: Awaited<ReturnType<typeof databaseCompletionSource>>,
): Promise<RecoveryFigure | { error: string }> {
  settings.log(
    `recovery: ${settings.recoveryRuns} broker outages of ${settings.outageMs} ms under steady load`,
  );
  const worker = await stack.startService('worker');
  try {
    return await measureRecovery({
      stack,
      orders,
      runs: settings.recoveryRuns,
      outageMs: settings.outageMs,
      log: settings.log,
    });
  } catch (error) {
    settings.log(`recovery phase failed: ${String(error)}`);
    return { error: `not measured: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    await worker.stop();
  }
}

function publishOnlyQueueOf(env: Record<string, string>): string {
  return `${baselineConfig(env).queue}.unconsumed`;
}
