import { runLoad, type LoadRequest } from '../load/run-load.js';
import type { AcceptedOrders } from '../load/scenarios.js';
import { waitForCompletion, type CompletionSource } from '../load/completion.js';
import { createProgress } from '../report/progress.js';
import type { RunFigure } from '../report/results.js';
import type { Rabbit } from '../stack/rabbit.js';

export interface MeasureSettings {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  log: (line: string) => void;
  progress: boolean;
}

export interface MeasureOptions {
  seconds?: number;
  rate?: number;
  warmup?: boolean;
  /** Samples this queue's depth once a second during the run. */
  sampleQueue?: string;
}

export type Measure = (
  figure: Omit<RunFigure, 'load'>,
  url: string,
  requests: () => LoadRequest[],
  options?: MeasureOptions,
) => Promise<RunFigure>;

/** One load run of a path (after an optional warm-up), logged as it ends. */
export function createMeasure(settings: MeasureSettings, rabbit: Rabbit): Measure {
  return async (figure, url, requests, options = {}) => {
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
        if (queue !== undefined) void rabbit.depth(queue).then((value) => depth.push(value));
      },
    });
    progress.done();
    settings.log(
      `${figure.label}: ${load.requestsPerSecond.toFixed(0)} req/s, p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms, errors ${load.errors}, non-2xx ${JSON.stringify(load.non2xx)}`,
    );
    return {
      ...figure,
      load,
      ...(options.sampleQueue === undefined ? {} : { queueDepth: depth }),
    };
  };
}

/** Waits (bounded) until every order the run accepted is stored, and records it on the run. */
export async function recordCompletion(
  run: RunFigure,
  source: CompletionSource,
  accepted: AcceptedOrders,
  log: (line: string) => void,
): Promise<void> {
  run.completion = await waitForCompletion(source, accepted.ids, { timeoutMs: 180_000 });
  log(
    `  accepted ${run.completion.accepted}, stored ${run.completion.stored}; end-to-end p50 ${run.completion.endToEndMs.p50} ms, p99 ${run.completion.endToEndMs.p99} ms`,
  );
}

/** The round with the median throughput (the lower middle for an even count). */
export function medianRun(runs: readonly RunFigure[]): RunFigure | undefined {
  const sorted = [...runs].sort((a, b) => a.load.requestsPerSecond - b.load.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
