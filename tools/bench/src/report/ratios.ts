import {
  ratioRow,
  type CheckRow,
  type DrainFigure,
  type RatioRow,
  type RecoveryFigure,
  type RunFigure,
} from './results.js';

/** The RSS budget of the issue, per service. */
export const RSS_BUDGET_MB = 150;
export const E2E_P99_BUDGET_MS = 100;

interface Inputs {
  runs: readonly RunFigure[];
  drains: readonly DrainFigure[];
  rss: { apiMb: number | undefined; workerMb: number | undefined };
  baselineRss: { publishMb: number | undefined; naiveWorkerMb: number | undefined };
  recovery?: RecoveryFigure | undefined;
}

/**
 * Every figure next to the baseline it should be compared with. Targets are the issue's; the
 * notes give what the reference machine measured for the baselines.
 */
export function computeRatios({ runs, drains, rss, baselineRss, recovery }: Inputs): RatioRow[] {
  const run = (id: string) => runs.find((candidate) => candidate.id === id);
  const rps = (id: string) => run(id)?.load.requestsPerSecond;
  const p99 = (id: string) => run(id)?.load.latencyMs.p99;
  const rows: RatioRow[] = [];
  const add = (row: Omit<RatioRow, 'ratio' | 'met'> | undefined) => {
    if (row !== undefined && Number.isFinite(row.value) && Number.isFinite(row.baselineValue)) {
      rows.push(ratioRow(row));
    }
  };
  const pair = (
    figure: string,
    id: string,
    baseline: string,
    extra: Partial<RatioRow> = {},
  ): Omit<RatioRow, 'ratio' | 'met'> | undefined => {
    const value = rps(id);
    const baselineValue = rps(baseline);
    if (value === undefined || baselineValue === undefined) return undefined;
    return { figure, unit: 'req/s', value, baseline, baselineValue, ...extra };
  };

  const reference: Record<string, string> = {
    'express-redis': 'reference machine: about 0.27',
    'express-publish': 'reference machine: about 0.19',
    'naive-pipeline': 'reference machine: about 0.15 (about 2,600 orders/s)',
  };
  for (const baseline of runs.filter((candidate) => candidate.group === 'baseline')) {
    if (baseline.id === 'http') continue;
    add(
      pair(`${baseline.label} req/s`, baseline.id, 'http', { note: reference[baseline.id] ?? '' }),
    );
  }

  add(pair('read, cache hit: req/s', 'read-hit', 'express-redis', { target: { min: 1.0 } }));
  const hitP99 = p99('read-hit');
  const redisP99 = p99('express-redis');
  if (hitP99 !== undefined && redisP99 !== undefined) {
    add({
      figure: 'read, cache hit: p99 latency',
      unit: 'ms',
      value: hitP99,
      baseline: 'express-redis',
      baselineValue: redisP99,
      target: { max: 1.2 },
    });
  }
  add(pair('read, cache miss: req/s', 'read-miss', 'express-pg', { target: { min: 0.9 } }));
  add(pair('write (POST /v1/orders): req/s', 'write', 'express-publish', { target: { min: 0.8 } }));
  const redisRps = rps('express-redis');
  const publishRps = rps('express-publish');
  const mixedRps = rps('mixed');
  if (redisRps !== undefined && publishRps !== undefined && mixedRps !== undefined) {
    // Four reads to one write: the baselines' time per request, weighted the same way.
    add({
      figure: 'mixed (4 reads : 1 write): req/s',
      unit: 'req/s',
      value: mixedRps,
      baseline: 'express-redis + express-publish, 4:1',
      baselineValue: 1 / (0.8 / redisRps + 0.2 / publishRps),
    });
  }
  add(pair('pipeline sustained: orders/s', 'pipeline', 'naive-pipeline', { target: { min: 0.9 } }));
  const halfRate = run('pipeline-half-rate')?.completion?.endToEndMs.p99;
  const naiveHalf = run('naive-pipeline')?.completion?.endToEndMs.p99;
  if (halfRate !== undefined) {
    add({
      figure: 'end-to-end p99 at half the pipeline rate',
      unit: 'ms',
      value: halfRate,
      baseline: `budget ${E2E_P99_BUDGET_MS} ms`,
      baselineValue: E2E_P99_BUDGET_MS,
      target: { max: 1.0 },
      note:
        naiveHalf === undefined
          ? ''
          : `naive pipeline at full load: p99 ${naiveHalf} ms end to end`,
    });
  }
  const drain = drains.find((candidate) => candidate.id === 'flowstack-drain');
  const naiveDrain = drains.find((candidate) => candidate.id === 'naive-drain');
  if (drain !== undefined && naiveDrain !== undefined) {
    add({
      figure: `worker drain of ${drain.messages} messages: messages/s`,
      unit: 'msg/s',
      value: drain.messagesPerSecond,
      baseline: 'naive-drain',
      baselineValue: naiveDrain.messagesPerSecond,
      target: { min: 2.0 },
      note: 'reference machine: naive worker about 5,000 messages/s',
    });
  }
  if (rss.apiMb !== undefined) {
    add({
      figure: 'api peak RSS under load',
      unit: 'MB',
      value: rss.apiMb,
      baseline: `budget ${RSS_BUDGET_MB} MB`,
      baselineValue: RSS_BUDGET_MB,
      target: { max: 1.0 },
      note:
        baselineRss.publishMb === undefined
          ? ''
          : `${ratioText(rss.apiMb, baselineRss.publishMb)} of the Express + publish baseline process (${baselineRss.publishMb} MB)`,
    });
  }
  if (rss.workerMb !== undefined) {
    add({
      figure: 'worker peak RSS under load',
      unit: 'MB',
      value: rss.workerMb,
      baseline: `budget ${RSS_BUDGET_MB} MB`,
      baselineValue: RSS_BUDGET_MB,
      target: { max: 1.0 },
      note:
        baselineRss.naiveWorkerMb === undefined
          ? ''
          : `${ratioText(rss.workerMb, baselineRss.naiveWorkerMb)} of the naive worker process (${baselineRss.naiveWorkerMb} MB)`,
    });
  }
  if (recovery !== undefined) {
    add({
      figure: `recovery: broker back -> first 202 (worst of ${recovery.recoveryMs.length} outages of ${recovery.outageMs} ms)`,
      unit: 'ms',
      value: recovery.maxMs,
      baseline: `budget ${recovery.budgetMs} ms`,
      baselineValue: recovery.budgetMs,
      target: { max: 1.0 },
      note: `each outage: ${recovery.recoveryMs.join(', ')} ms`,
    });
  }
  return rows;
}

function ratioText(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}x`;
}

/** Pass/fail facts that are not ratios: nothing lost, no backlog growth. */
export function computeChecks(
  runs: readonly RunFigure[],
  recovery?: RecoveryFigure | { error: string },
): CheckRow[] {
  const checks: CheckRow[] = [];
  if (recovery !== undefined && 'error' in recovery) {
    checks.push({ check: 'recovery after the broker returns', value: recovery.error, met: false });
  } else if (recovery !== undefined) {
    checks.push({
      check: 'broker outages: accepted = stored',
      value: `${recovery.accepted} accepted, ${recovery.stored} stored`,
      met: recovery.accepted === recovery.stored,
    });
  }
  for (const run of runs) {
    if (run.completion === undefined) continue;
    const c = run.completion;
    checks.push({
      check: `${run.label}: accepted = stored`,
      value: `${c.accepted} accepted, ${c.stored} stored`,
      met: c.accepted === c.stored,
    });
  }
  const pipeline = runs.find((run) => run.id === 'pipeline');
  if (pipeline?.queueDepth !== undefined && pipeline.queueDepth.length > 0) {
    const depth = pipeline.queueDepth;
    const lastQuarter = depth.slice(Math.floor((depth.length * 3) / 4));
    const worst = Math.max(...lastQuarter);
    const oneSecond = pipeline.load.requestsPerSecond;
    checks.push({
      check: 'pipeline: no backlog growth (queue depth in the last quarter <= 1 s of throughput)',
      value: `max ${worst} messages waiting (throughput ${Math.round(oneSecond)}/s); peak ${Math.max(...depth)}`,
      met: worst <= oneSecond,
    });
  }
  return checks;
}
