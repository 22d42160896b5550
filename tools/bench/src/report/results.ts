import type { CompletionReport } from '../load/completion.js';
import type { LoadResult } from '../load/run-load.js';

export interface Machine {
  nproc: number;
  memoryMb: number;
  cpuModel: string;
  node: string;
  platform: string;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine. */
  loadAverageAtStart: number[];
  /** The same right after the load phases (before the drains), and at the end. */
  loadAverageAfterLoad?: number[];
  loadAverageAtEnd?: number[];
}

export interface RunFigure {
  id: string;
  label: string;
  group: 'baseline' | 'flowstack';
  load: LoadResult;
  completion?: CompletionReport;
  /** Ready messages in the orders queue, once a second during the run. */
  queueDepth?: number[];
  peakRssMb?: number;
  /** Throughput of every round; the figure shown is the median round. */
  roundsRequestsPerSecond?: number[];
}

export interface DrainFigure {
  id: string;
  label: string;
  messages: number;
  stored: number;
  /** First stored to last stored (database clock). */
  seconds: number;
  messagesPerSecond: number;
  /** Worker ready to backlog empty and every row stored (wall clock, polled). */
  wallSeconds: number;
  peakRssMb: number | undefined;
}

/** Time from the broker's return to the first 202, under steady load, per outage. */
export interface RecoveryFigure {
  outageMs: number;
  recoveryMs: number[];
  maxMs: number;
  budgetMs: number;
  /** Orders answered 202 during the outage runs, and how many of them were stored. */
  accepted: number;
  stored: number;
}

export interface Target {
  /** The ratio must be at least this... */
  min?: number;
  /** ...or at most this. */
  max?: number;
}

export interface RatioRow {
  figure: string;
  unit: string;
  value: number;
  baseline: string;
  baselineValue: number;
  ratio: number;
  target?: Target;
  met?: boolean;
  /** Why it matters, or what the reference machine measured. */
  note?: string;
}

export interface CheckRow {
  check: string;
  value: string;
  met: boolean;
}

export interface ProfileEntry {
  name: string;
  selfPercent: number;
}

export interface ProfileSummary {
  path: string;
  process: 'api' | 'worker';
  file: string;
  totalMs: number;
  topFunctions: ProfileEntry[];
  byCategory: ProfileEntry[];
}

export interface BenchResults {
  version: 1;
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  settings: {
    /** `vault` (deployed configuration) or `no-vault`; absent in results of older releases. */
    profile?: string;
    durationSeconds: number;
    rounds: number;
    connections: number;
    pipelineSeconds: number;
    halfRateSeconds: number;
    backlog: number;
    workerBatchSize: string;
    workerPrefetch: string;
  };
  /** Vault requests (audit log, both services) per order accepted during the write rounds. */
  vaultRequestsPerOrder?: number | undefined;
  runs: RunFigure[];
  drains: DrainFigure[];
  rss: { apiMb: number | undefined; workerMb: number | undefined };
  /** Absent in results of older releases, or when the phase could not run (see its check). */
  recovery?: RecoveryFigure | undefined;
  ratios: RatioRow[];
  checks: CheckRow[];
  profiles: ProfileSummary[];
}

export function ratioRow(row: Omit<RatioRow, 'ratio' | 'met'>): RatioRow {
  const ratio = row.baselineValue === 0 ? 0 : round3(row.value / row.baselineValue);
  const met =
    row.target === undefined
      ? undefined
      : (row.target.min === undefined || ratio >= row.target.min) &&
        (row.target.max === undefined || ratio <= row.target.max);
  return {
    ...row,
    value: round3(row.value),
    baselineValue: round3(row.baselineValue),
    ratio,
    ...(met === undefined ? {} : { met }),
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function describeTarget(target: Target | undefined): string {
  if (target === undefined) return '';
  if (target.min !== undefined && target.max !== undefined) return `${target.min}..${target.max}x`;
  if (target.min !== undefined) return `>= ${target.min}x`;
  return `<= ${target.max}x`;
}
