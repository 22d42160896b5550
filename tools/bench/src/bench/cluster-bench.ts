import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { markdownTable } from '@flowstack/config';
import { SEED_PRODUCTS } from '@flowstack/domain';
import {
  rabbitClusterHosts,
  startRabbitCluster,
  stopRabbitCluster,
  type RabbitCluster,
} from '@flowstack/test-kit';
import { databaseCompletionSource, type CompletionSource } from '../load/completion.js';
import { AcceptedOrders, writeRequests } from '../load/scenarios.js';
import type { Machine, RunFigure } from '../report/results.js';
import { spawnService } from '../stack/local-stack.js';
import type { BenchProcess } from '../stack/processes.js';
import { openRabbit } from '../stack/rabbit.js';
import { openBenchStack } from './bench-stack.js';
import { createMeasure, medianRun, recordCompletion, type Measure } from './measure.js';
import { describeMachine, type BenchSettings } from './run-bench.js';

const SEED_IDS = SEED_PRODUCTS.map((product) => product.id);
export const QUEUE_TYPES = ['classic', 'quorum'] as const;
export type QueueType = (typeof QUEUE_TYPES)[number];

export interface ClusterQueueFigures {
  queueType: QueueType;
  /** The sustained run of the median round (closed model, as many POSTs as the stack takes). */
  sustained: RunFigure;
  /** The open-model run at half the sustained rate: end-to-end p99 without back-pressure. */
  halfRate: RunFigure;
  roundsRequestsPerSecond: number[];
}

export interface ClusterBenchResults {
  version: 1;
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  nodes: number;
  settings: {
    pipelineSeconds: number;
    halfRateSeconds: number;
    rounds: number;
    connections: number;
  };
  figures: ClusterQueueFigures[];
  /**
   * quorum / classic: sustained throughput and end-to-end p99 at half rate of the median rounds,
   * and the throughput ratio of each round's pair (same round, back to back: the figure least
   * moved by other work on the machine drifting between rounds).
   */
  ratios: { throughput: number; endToEndP99: number; throughputPerRound: number[] };
}

/**
 * The pipeline (POST -> publish -> worker -> INSERT) on a three-node RabbitMQ cluster of the run's
 * own, once with classic and once with quorum queues, in alternating rounds so both see the same
 * machine. Static credentials (the `no-vault` stack): what differs between the runs is only the
 * queue type.
 */
export async function runClusterBench(settings: BenchSettings): Promise<ClusterBenchResults> {
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  const { log } = settings;
  log('starting a three-node RabbitMQ cluster');
  const cluster = await startRabbitCluster();
  try {
    const stack = await openBenchStack('no-vault');
    const orders = await databaseCompletionSource(stack.pgTarget);
    const rabbit = await openRabbit(`amqp://guest:guest@127.0.0.1:${cluster.nodes[0]!.amqpPort}`);
    const measure = createMeasure(settings, rabbit);
    const rounds: ClusterRounds = {
      classic: [],
      quorum: [],
    };
    try {
      for (let round = 0; round < settings.rounds; round += 1) {
        for (const queueType of round % 2 === 0 ? QUEUE_TYPES : [...QUEUE_TYPES].reverse()) {
          log(`round ${round + 1}: ${queueType} queues (load average ${loadavg()[0]!.toFixed(1)})`);
          const env = clusterEnvironment(stack.env, cluster, queueType, round);
          rounds[queueType].push(
            await measureQueueType({ measure, env, orders, queueType, settings }),
          );
          await rabbit.deleteQueues(env.ORDERS_QUEUE!);
        }
      }
    } finally {
      await rabbit.close();
      await orders.close();
    }
    const { figures, ratios } = summariseRounds(rounds);
    return {
      version: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      // Other work on the machine: the rounds alternate so both queue types share it.
      machine: { ...machine, loadAverageAtEnd: loadavg().map((v) => Math.round(v * 100) / 100) },
      nodes: cluster.nodes.length,
      settings: {
        pipelineSeconds: settings.pipelineSeconds,
        halfRateSeconds: settings.halfRateSeconds,
        rounds: settings.rounds,
        connections: settings.connections,
      },
      figures,
      ratios,
    };
  } finally {
    await stopRabbitCluster(cluster);
  }
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

export type ClusterRounds = Record<QueueType, { sustained: RunFigure; halfRate: RunFigure }[]>;

/**
 * Per queue type, the round with the median sustained throughput (and the half-rate run of that
 * same round); quorum over classic for throughput and for end-to-end p99.
 */
export function summariseRounds(rounds: ClusterRounds): {
  figures: ClusterQueueFigures[];
  ratios: ClusterBenchResults['ratios'];
} {
  const figures = QUEUE_TYPES.map((queueType): ClusterQueueFigures => {
    const sustained = medianRun(rounds[queueType].map((run) => run.sustained))!;
    const halfRate = rounds[queueType].find((run) => run.sustained === sustained)!.halfRate;
    return {
      queueType,
      sustained,
      halfRate,
      roundsRequestsPerSecond: rounds[queueType].map((run) => run.sustained.load.requestsPerSecond),
    };
  });
  const [classic, quorum] = figures as [ClusterQueueFigures, ClusterQueueFigures];
  const p99 = (figure: ClusterQueueFigures) => figure.halfRate.completion?.endToEndMs.p99 ?? NaN;
  return {
    figures,
    ratios: {
      throughput: ratio(
        quorum.sustained.load.requestsPerSecond,
        classic.sustained.load.requestsPerSecond,
      ),
      endToEndP99: ratio(p99(quorum), p99(classic)),
      throughputPerRound: rounds.quorum.map((run, i) =>
        ratio(
          run.sustained.load.requestsPerSecond,
          rounds.classic[i]!.sustained.load.requestsPerSecond,
        ),
      ),
    },
  };
}

/** Each round and type gets its own exchange and queue: a queue's type cannot change in place. */
function clusterEnvironment(
  base: Record<string, string>,
  cluster: RabbitCluster,
  queueType: QueueType,
  round: number,
): Record<string, string> {
  const suffix = `${queueType}.${round}`;
  return {
    ...base,
    RABBITMQ_HOSTS: rabbitClusterHosts(cluster),
    RABBITMQ_HOST: '127.0.0.1',
    RABBITMQ_PORT: String(cluster.nodes[0]!.amqpPort),
    RABBITMQ_QUEUE_TYPE: queueType,
    ORDERS_EXCHANGE: `${base.ORDERS_EXCHANGE}.${suffix}`,
    ORDERS_QUEUE: `${base.ORDERS_QUEUE}.${suffix}`,
  };
}

async function measureQueueType(options: {
  measure: Measure;
  env: Record<string, string>;
  orders: CompletionSource;
  queueType: QueueType;
  settings: BenchSettings;
}): Promise<{ sustained: RunFigure; halfRate: RunFigure }> {
  const { measure, env, orders, queueType, settings } = options;
  const processes: BenchProcess[] = [];
  try {
    processes.push(await spawnService('worker', env));
    const api = await spawnService('api', env);
    processes.push(api);
    const accepted = new AcceptedOrders();
    const sustained = await measure(
      {
        id: `cluster-${queueType}-pipeline`,
        label: `pipeline on 3 nodes, ${queueType} queues, sustained`,
        group: 'flowstack',
      },
      api.url,
      () => writeRequests(SEED_IDS, accepted),
      { seconds: settings.pipelineSeconds, sampleQueue: env.ORDERS_QUEUE! },
    );
    await recordCompletion(sustained, orders, accepted, settings.log);
    const rate = Math.max(1, Math.round(sustained.load.requestsPerSecond / 2));
    const halfAccepted = new AcceptedOrders();
    const halfRate = await measure(
      {
        id: `cluster-${queueType}-pipeline-half-rate`,
        label: `pipeline on 3 nodes, ${queueType} queues, half rate (${rate}/s)`,
        group: 'flowstack',
      },
      api.url,
      () => writeRequests(SEED_IDS, halfAccepted),
      { seconds: settings.halfRateSeconds, rate, warmup: false, sampleQueue: env.ORDERS_QUEUE! },
    );
    await recordCompletion(halfRate, orders, halfAccepted, settings.log);
    return { sustained, halfRate };
  } finally {
    for (const process of processes.reverse()) await process.stop();
  }
}

/** quorum and classic side by side, as printed and as in docs/performance.md. */
export function clusterTable(results: ClusterBenchResults): string {
  const rows = results.figures.map(
    ({ queueType, sustained, halfRate, roundsRequestsPerSecond }) => [
      queueType,
      `${sustained.load.requestsPerSecond.toFixed(0)} (rounds ${roundsRequestsPerSecond.map((n) => n.toFixed(0)).join(', ')})`,
      `${sustained.load.latencyMs.p99} ms`,
      `${sustained.completion?.accepted ?? 'n/a'} / ${sustained.completion?.stored ?? 'n/a'}`,
      halfRate.load.requestsPerSecond.toFixed(0),
      `${halfRate.completion?.endToEndMs.p99 ?? 'n/a'} ms`,
    ],
  );
  return [
    markdownTable(
      [
        'Queues',
        'Sustained POST/s',
        'POST p99 (sustained)',
        'Accepted / stored',
        'Half rate /s',
        'End-to-end p99 at half rate',
      ],
      rows,
    ),
    '',
    `quorum / classic: throughput ${results.ratios.throughput}x (per round ${results.ratios.throughputPerRound.map((r) => `${r}x`).join(', ')}), end-to-end p99 ${results.ratios.endToEndP99}x`,
  ].join('\n');
}

export async function writeClusterReport(
  results: ClusterBenchResults,
  out: string,
): Promise<{ json: string; latest: string }> {
  await mkdir(out, { recursive: true });
  const stamp = results.startedAt.replaceAll(':', '-').replace(/\..*$/, '');
  const json = join(out, `cluster-${stamp}.json`);
  const latest = join(out, 'cluster-latest.json');
  const text = `${JSON.stringify(results, null, 2)}\n`;
  await writeFile(json, text);
  await writeFile(latest, text);
  return { json, latest };
}
