import { describe, expect, it } from 'vitest';
import type { RunFigure } from '../report/results.js';
import { clusterTable, summariseRounds, type ClusterBenchResults } from './cluster-bench.js';

function figure(id: string, requestsPerSecond: number, endToEndP99: number): RunFigure {
  return {
    id,
    label: id,
    group: 'flowstack',
    load: {
      name: id,
      url: 'http://127.0.0.1:1',
      connections: 10,
      durationSeconds: 20,
      rate: undefined,
      requests: requestsPerSecond * 20,
      requestsPerSecond,
      latencyMs: { mean: 2, p50: 1, p90: 5, p99: 30, p99_9: 60, max: 90 },
      errors: 0,
      timeouts: 0,
      statusCounts: { '202': requestsPerSecond * 20 },
      non2xx: {},
      timeline: [requestsPerSecond],
    },
    completion: {
      accepted: requestsPerSecond * 20,
      stored: requestsPerSecond * 20,
      missing: 0,
      source: 'database',
      endToEndMs: { count: 1, mean: 1, p50: 1, p90: 1, p99: endToEndP99, p99_9: 1, max: 1 },
      waitedMs: 0,
    },
  };
}

const round = (rps: number, p99: number) => ({
  sustained: figure('sustained', rps, 0),
  halfRate: figure('half', rps / 2, p99),
});

describe('the cluster profile summary', () => {
  it('when rounds are given, then each type shows its median round and the ratios are quorum over classic', () => {
    const { figures, ratios } = summariseRounds({
      classic: [round(100, 50), round(160, 40), round(120, 45)],
      quorum: [round(60, 90), round(50, 120), round(40, 200)],
    });
    expect(figures.map((f) => f.sustained.load.requestsPerSecond)).toEqual([120, 50]);
    // The end-to-end p99 is the half-rate run of the same (median) round.
    expect(figures.map((f) => f.halfRate.completion?.endToEndMs.p99)).toEqual([45, 120]);
    expect(ratios).toEqual({
      throughput: 0.42,
      endToEndP99: 2.67,
      throughputPerRound: [0.6, 0.31, 0.33],
    });
    const table = clusterTable({ figures, ratios } as ClusterBenchResults);
    expect(table).toMatch(/^\| quorum +\| 50 \(rounds 60, 50, 40\) +\|/m);
    expect(table).toContain(
      'quorum / classic: throughput 0.42x (per round 0.6x, 0.31x, 0.33x), end-to-end p99 2.67x',
    );
  });
});
