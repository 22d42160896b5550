import { createProgress } from '../report/progress.js';
import type { CompletionReport, CompletionSource } from './completion.js';
import { waitForCompletion } from './completion.js';
import { runLoad, type LoadResult } from './run-load.js';
import {
  AcceptedOrders,
  fetchProductIds,
  scenarioRequests,
  type ScenarioName,
} from './scenarios.js';

export interface ScenarioOptions {
  target: string;
  scenario: ScenarioName;
  durationSeconds: number;
  connections: number;
  rate?: number;
  /** Where to check that accepted orders were stored; required for write and mixed. */
  completion?: CompletionSource;
  /** Defaults to the ids the target's catalog lists. */
  productIds?: readonly string[];
  name?: string;
  /** Live progress on stderr (only when it is a terminal). */
  progress?: boolean;
  completionTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface ScenarioRun {
  load: LoadResult;
  /** For write and mixed: accepted versus stored, and the end-to-end time. */
  completion: CompletionReport | undefined;
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioRun> {
  const productIds = options.productIds ?? (await fetchProductIds(options.target));
  const accepted = new AcceptedOrders();
  const name = options.name ?? options.scenario;
  const progress = options.progress
    ? createProgress(name, options.durationSeconds)
    : { tick: () => undefined, done: () => undefined };
  const load = await runLoad({
    name,
    url: options.target,
    requests: scenarioRequests(options.scenario, productIds, accepted),
    durationSeconds: options.durationSeconds,
    connections: options.connections,
    ...(options.rate === undefined ? {} : { rate: options.rate }),
    onTick: (completed, elapsed) => progress.tick(completed, elapsed),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  progress.done();
  if (options.scenario === 'read') return { load, completion: undefined };
  if (options.completion === undefined) {
    throw new Error(`the ${options.scenario} scenario needs a completion source`);
  }
  const completion = await waitForCompletion(options.completion, accepted.ids, {
    ...(options.completionTimeoutMs === undefined
      ? {}
      : { timeoutMs: options.completionTimeoutMs }),
  });
  return { load, completion };
}

/** True when every accepted order was stored. */
export function nothingLost(run: ScenarioRun): boolean {
  return run.completion === undefined || run.completion.accepted === run.completion.stored;
}
