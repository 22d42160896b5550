#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { AppError, runCli, type CliValues } from '@flowstack/errors';
import { runBench, type BenchSettings } from '../bench/run-bench.js';
import { profilePaths } from '../bench/profile-paths.js';
import { clusterTable, runClusterBench, writeClusterReport } from '../bench/cluster-bench.js';
import { ratiosTable, writeReport } from '../report/write-report.js';

const USAGE = `usage: npm run bench -- [options]
  --quick              short runs (one round of 3 s, 15 s pipeline, 10,000-message backlog)
  --duration SECONDS   per path and round (default 5)
  --rounds N           rounds of the short paths, each baseline next to its flowstack path;
                       the median round is reported (default 3)
  --connections N      (default 10)
  --pipeline SECONDS   sustained pipeline run (default 60)
  --backlog N          messages for the worker drain (default 50000)
  --outages N          broker outages of the recovery phase (default 3, quick 1)
  --outage-ms MS       length of each outage (default 5000)
  --no-vault           the second profile: static credentials, no Transit, no Consul (default:
                       the deployed configuration, as npm run dev runs it: JWT login to the Vault
                       double, leased users, Transit, Consul discovery and live config)
  --cluster            instead: the pipeline on a three-node RabbitMQ cluster of the run's own,
                       classic against quorum queues (throughput and end-to-end p99, --rounds
                       alternating rounds, --pipeline seconds each)
  --profile            instead: CPU profiles of each flowstack path under load (node --cpu-prof)
  --out DIR            results directory (default tools/bench/results)`;

const OPTIONS = {
  quick: { type: 'boolean', default: false },
  duration: { type: 'string' },
  connections: { type: 'string', default: '10' },
  rounds: { type: 'string' },
  pipeline: { type: 'string' },
  backlog: { type: 'string' },
  outages: { type: 'string' },
  'outage-ms': { type: 'string' },
  profile: { type: 'boolean', default: false },
  cluster: { type: 'boolean', default: false },
  'no-vault': { type: 'boolean', default: false },
  out: { type: 'string' },
} as const;

async function main(values: CliValues<typeof OPTIONS>): Promise<number> {
  const quick = values.quick;
  const number = (raw: string | undefined, fallback: number) => {
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      throw AppError.usage(`not a positive number: ${raw}`);
    }
    return value;
  };
  const durationSeconds = number(values.duration, quick ? 3 : 5);
  const settings: BenchSettings = {
    profile: values['no-vault'] ? 'no-vault' : 'vault',
    durationSeconds,
    rounds: number(values.rounds, quick ? 1 : 3),
    warmupSeconds: quick ? 1 : 3,
    connections: number(values.connections, 10),
    pipelineSeconds: number(values.pipeline, quick ? 15 : 60),
    halfRateSeconds: quick ? 10 : 20,
    backlog: number(values.backlog, quick ? 10_000 : 50_000),
    missProducts: 200_000,
    recoveryRuns: number(values.outages, quick ? 1 : 3),
    outageMs: number(values['outage-ms'], 5_000),
    log: (line) => process.stderr.write(`${line}\n`),
    progress: process.stderr.isTTY,
  };
  const out = values.out ?? fileURLToPath(new URL('../../results', import.meta.url));
  if (values.cluster) {
    const results = await runClusterBench(settings);
    const written = await writeClusterReport(results, out);
    process.stdout.write(
      `\n${clusterTable(results)}\n\nresults: ${written.json} (and ${written.latest})\n`,
    );
    return 0;
  }
  if (values.profile) {
    const summaries = await profilePaths(settings, out);
    for (const summary of summaries) {
      process.stdout.write(`\n${summary.process} ${summary.path} (${summary.file})\n`);
      for (const entry of summary.byCategory) {
        process.stdout.write(`  ${entry.selfPercent.toFixed(1).padStart(5)}%  ${entry.name}\n`);
      }
      process.stdout.write('  top functions:\n');
      for (const entry of summary.topFunctions.slice(0, 12)) {
        process.stdout.write(`  ${entry.selfPercent.toFixed(1).padStart(5)}%  ${entry.name}\n`);
      }
    }
    return 0;
  }
  const results = await runBench(settings);
  const written = await writeReport(results, out);
  process.stdout.write(`\n${ratiosTable(results, process.stdout.isTTY)}\n\n`);
  process.stdout.write(
    `report: ${written.html}\nresults: ${written.json} (and ${written.latest})\n`,
  );
  const lost = results.checks.filter(
    (check) => check.check.endsWith('accepted = stored') && !check.met,
  );
  if (lost.length > 0) {
    process.stderr.write(
      `\n!!! ORDERS LOST: ${lost.map((check) => `${check.check}: ${check.value}`).join('; ')} !!!\n`,
    );
    return 1;
  }
  return 0;
}

process.exitCode = await runCli({
  name: 'bench',
  usage: USAGE,
  options: OPTIONS,
  run: ({ values }) => main(values),
});
