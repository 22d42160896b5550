import { describe, expect, it } from 'vitest';
import { medianRun } from '../bench/measure.js';
import type { LoadResult } from '../load/run-load.js';
import { categoryOf } from './cpu-profile.js';
import { buildCharts, renderHtml, runHeadline } from './html-report.js';
import { lineChart, ninesOf, percentileChart, tickStep } from './svg-charts.js';
import { computeChecks, computeRatios } from './ratios.js';
import type { BenchResults, RunFigure } from './results.js';
import { ratiosTable } from './write-report.js';

function load(name: string, requestsPerSecond: number, p99 = 10): LoadResult {
  return {
    name,
    url: 'http://127.0.0.1:1',
    connections: 10,
    durationSeconds: 5,
    rate: undefined,
    requests: requestsPerSecond * 5,
    requestsPerSecond,
    latencyMs: { mean: 2, p50: 1, p90: 5, p99, p99_9: p99 * 2, max: p99 * 3 },
    errors: 0,
    timeouts: 0,
    statusCounts: { '200': requestsPerSecond * 5 },
    non2xx: {},
    timeline: [requestsPerSecond, requestsPerSecond],
  };
}

function run(id: string, rps: number, group: 'baseline' | 'flowstack', p99 = 10): RunFigure {
  return { id, label: id, group, load: load(id, rps, p99) };
}

const completion = (accepted: number, stored: number) => ({
  accepted,
  stored,
  missing: accepted - stored,
  source: 'database' as const,
  endToEndMs: { count: stored, mean: 5, p50: 4, p90: 8, p99: 20, p99_9: 30, max: 40 },
  waitedMs: 100,
});

function results(): BenchResults {
  const runs: RunFigure[] = [
    run('http', 20_000, 'baseline'),
    run('express-redis', 5_000, 'baseline', 10),
    run('read-hit', 5_500, 'flowstack', 15),
    run('express-pg', 4_000, 'baseline'),
    run('read-miss', 3_000, 'flowstack'),
    run('express-publish', 2_000, 'baseline'),
    { ...run('write', 1_000, 'flowstack'), completion: completion(5_000, 5_000) },
    {
      ...run('pipeline', 1_000, 'flowstack'),
      completion: completion(60_000, 59_999),
      queueDepth: [0, 10, 400, 900, 1500, 2200, 3000, 4100],
    },
  ];
  const drains = [
    {
      id: 'flowstack-drain',
      label: 'flowstack',
      messages: 50_000,
      stored: 50_000,
      seconds: 5,
      messagesPerSecond: 10_000,
      wallSeconds: 6,
      peakRssMb: 120,
    },
    {
      id: 'naive-drain',
      label: 'naive',
      messages: 50_000,
      stored: 50_000,
      seconds: 10,
      messagesPerSecond: 5_000,
      wallSeconds: 11,
      peakRssMb: 80,
    },
  ];
  const rss = { apiMb: 180, workerMb: 120 };
  return {
    version: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:10:00.000Z',
    machine: {
      nproc: 2,
      memoryMb: 4096,
      cpuModel: 'test cpu',
      node: 'v20',
      platform: 'linux x64',
      loadAverageAtStart: [1, 1, 1],
    },
    settings: {
      durationSeconds: 5,
      rounds: 3,
      connections: 10,
      pipelineSeconds: 60,
      halfRateSeconds: 20,
      backlog: 50_000,
      workerBatchSize: 'default',
      workerPrefetch: 'default',
    },
    runs,
    drains,
    rss,
    ratios: computeRatios({ runs, drains, rss, baselineRss: { publishMb: 90, naiveWorkerMb: 80 } }),
    checks: computeChecks(runs),
    profiles: [],
  };
}

describe('the ratios', () => {
  it('when flowstack beats a baseline, then the ratio is met; when it falls short, then it is missed', () => {
    const { ratios } = results();
    const byFigure = (start: string) => ratios.find((row) => row.figure.startsWith(start))!;
    expect(byFigure('read, cache hit: req/s')).toMatchObject({ ratio: 1.1, met: true });
    expect(byFigure('read, cache hit: p99')).toMatchObject({ ratio: 1.5, met: false });
    expect(byFigure('read, cache miss')).toMatchObject({ ratio: 0.75, met: false });
    expect(byFigure('write')).toMatchObject({ ratio: 0.5, met: false });
    expect(byFigure('worker drain')).toMatchObject({ ratio: 2, met: true });
    expect(byFigure('api peak RSS')).toMatchObject({ ratio: 1.2, met: false });
    expect(byFigure('worker peak RSS')).toMatchObject({ ratio: 0.8, met: true });
    expect(byFigure('express-redis req/s')).toMatchObject({ ratio: 0.25 });
    expect(byFigure('express-redis req/s').met).toBeUndefined();
  });

  it('when an order is missing or the backlog grows, then the checks fail', () => {
    const checks = results().checks;
    expect(checks.find((check) => check.check.startsWith('write'))?.met).toBe(true);
    expect(checks.find((check) => check.check.startsWith('pipeline: accepted'))?.met).toBe(false);
    expect(checks.find((check) => check.check.includes('backlog'))?.met).toBe(false);
  });
});

describe('the report', () => {
  it('when rendered, then it is one self-contained page with inline SVG charts and missed targets in red', () => {
    const data = results();
    const html = renderHtml(data, buildCharts(data));
    expect(html.match(/<svg /g)?.length).toBe(8);
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain('MISSED');
    expect(html).toMatch(/class="missed">Missed in this run: .*write/);
    expect(html).toContain('#dc2626');
  });

  it('when printed for a terminal, then missed targets are red', () => {
    const table = ratiosTable(results(), true);
    expect(table).toContain('\u001b[31mMISSED');
    expect(ratiosTable(results(), false)).not.toContain('\u001b[');
  });

  it('when rounds are measured, then the median round is kept', () => {
    const rounds = [
      run('a', 300, 'flowstack'),
      run('a', 100, 'flowstack'),
      run('a', 200, 'flowstack'),
    ];
    expect(medianRun(rounds)?.load.requestsPerSecond).toBe(200);
  });
});

describe('CPU profile categories', () => {
  it('when a frame comes from a package, a workspace, node or V8, then it is named after it', () => {
    expect(categoryOf('file:///app/node_modules/pino/lib/tools.js', 'write')).toBe('pino');
    expect(categoryOf('file:///app/node_modules/@pinojs/redact/index.js', 'redact')).toBe(
      '@pinojs/redact',
    );
    expect(categoryOf('file:///work/main/packages/domain/dist/x.js', 'f')).toBe(
      '@flowstack/domain',
    );
    expect(categoryOf('node:internal/streams/writable', 'write')).toBe('node core');
    expect(categoryOf('', '(garbage collector)')).toBe('garbage collector');
    expect(categoryOf('', '(idle)')).toBe('idle');
  });
});

describe('charts', () => {
  it('when a timeline is drawn, then the x axis has second ticks and every point is a second of the run', () => {
    const svg = lineChart({
      title: 't',
      yUnit: 'req/s',
      series: [{ name: 'a', values: Array.from({ length: 60 }, () => 100) }],
    });
    for (const label of ['10', '20', '30', '40', '50', '60']) {
      expect(svg).toContain(`>${label}</text>`);
    }
    expect(tickStep(60)).toBe(10);
    expect(tickStep(5)).toBe(1);
  });

  it('when percentiles are drawn, then the tail is spread on a nines axis with labelled ticks', () => {
    expect(ninesOf(90)).toBeCloseTo(1);
    expect(ninesOf(99.9)).toBeCloseTo(3);
    const svg = percentileChart({
      title: 'p',
      series: [
        {
          name: 'a',
          points: [
            [50, 1],
            [99, 5],
            [99.9, 20],
          ],
        },
      ],
    });
    for (const label of ['p50', 'p99', 'p99.9']) expect(svg).toContain(`>${label}</text>`);
  });

  it('when the results name a profile and Vault requests, then the headline says both and the load', () => {
    const headline = runHeadline({
      machine: { loadAverageAtStart: [3, 2, 1], loadAverageAfterLoad: [4, 3, 2] },
      settings: { profile: 'vault' },
      vaultRequestsPerOrder: 0.25,
    } as unknown as BenchResults);
    expect(headline).toContain('profile vault');
    expect(headline).toContain('Vault requests per accepted order 0.25');
    expect(headline).toContain('at start 3 / 2 / 1, after the load 4 / 3 / 2');
  });
});
