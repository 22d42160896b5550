import { formatNon2xx } from './summary-table.js';
import { describeTarget, type BenchResults, type RatioRow } from './results.js';
import { barChart, escapeXml, groupedLogBars, lineChart, percentileChart } from './svg-charts.js';

const MET = '#16a34a';
const MISSED = '#dc2626';
const NEUTRAL = '#64748b';

export interface Charts {
  latency: string;
  throughput: string;
  timelineBaselines: string;
  timelineFlowstack: string;
  timelinePipeline: string;
  latencyOverTime: string;
  percentiles: string;
  ratios: string;
}

/** The baselines the flowstack short paths are compared with. */
const PAIRED = new Set(['express-redis', 'express-pg', 'express-publish']);
const LONG_RUN_SECONDS = 10;

export function buildCharts(results: BenchResults): Charts {
  const runs = results.runs;
  const short = runs.filter((run) => run.load.durationSeconds <= LONG_RUN_SECONDS);
  const long = runs.filter((run) => run.load.durationSeconds > LONG_RUN_SECONDS);
  return {
    latency: groupedLogBars({
      title: 'Latency percentiles per path (log scale)',
      unit: 'ms',
      seriesNames: ['p50', 'p90', 'p99', 'p99.9'],
      rows: runs.map((run) => ({
        label: run.label,
        values: [
          run.load.latencyMs.p50,
          run.load.latencyMs.p90,
          run.load.latencyMs.p99,
          run.load.latencyMs.p99_9,
        ],
      })),
    }),
    throughput: barChart({
      title: 'Throughput per path',
      unit: 'req/s',
      rows: runs.map((run) => ({
        label: run.label,
        value: run.load.requestsPerSecond,
        color: run.group === 'baseline' ? NEUTRAL : '#2563eb',
      })),
    }),
    // Short paths and the long pipeline runs on separate charts: one x axis would squash the
    // short ones into the first few seconds.
    timelineBaselines: lineChart({
      title: 'Throughput over time: baselines (short paths, median round)',
      yUnit: 'requests per second',
      series: short
        .filter((run) => run.group === 'baseline')
        .map((run) => ({ name: run.label, values: run.load.timeline })),
    }),
    timelineFlowstack: lineChart({
      title: 'Throughput over time: flowstack (short paths, median round)',
      yUnit: 'requests per second',
      series: short
        .filter((run) => run.group === 'flowstack')
        .map((run) => ({ name: run.label, values: run.load.timeline })),
    }),
    timelinePipeline: lineChart({
      title: 'Throughput over time: pipelines',
      yUnit: 'requests per second',
      series: long.map((run) => ({ name: run.label, values: run.load.timeline })),
    }),
    latencyOverTime: lineChart({
      title: 'p99 latency over time (each second’s responses)',
      yUnit: 'p99 latency (ms)',
      series: runs
        .filter((run) => run.load.latencyTimeline !== undefined)
        .filter((run) => run.group === 'flowstack' || PAIRED.has(run.id))
        .map((run) => ({ name: run.label, values: run.load.latencyTimeline!.p99 })),
    }),
    percentiles: percentileChart({
      title: 'Latency by percentile (median round)',
      series: short
        .filter((run) => run.load.percentiles !== undefined && run.id !== 'http')
        .map((run) => ({ name: run.label, points: run.load.percentiles! })),
    }),
    ratios: barChart({
      title: 'Ratios to the same-run baselines (green: target met, red: missed)',
      unit: 'x',
      rows: results.ratios.map((row) => ({
        label: shorten(row.figure, 44),
        value: row.ratio,
        color: row.met === undefined ? NEUTRAL : row.met ? MET : MISSED,
        annotation: `${row.ratio.toFixed(2)}x ${describeTarget(row.target)}`,
      })),
      marker: { value: 1, label: '1.0x' },
    }),
  };
}

function shorten(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

function ratioCell(row: RatioRow): string {
  const color = row.met === undefined ? 'inherit' : row.met ? MET : MISSED;
  const verdict = row.met === undefined ? '' : row.met ? ' met' : ' MISSED';
  return `<td style="color:${color};font-weight:600">${row.ratio.toFixed(2)}x${verdict}</td>`;
}

/** One HTML file with everything inline: no scripts, no fonts, no CDN. */
export function renderHtml(results: BenchResults, charts: Charts): string {
  const m = results.machine;
  const missed = results.ratios.filter((row) => row.met === false);
  const failedChecks = results.checks.filter((check) => !check.met);
  const runRows = results.runs
    .map((run) => {
      const l = run.load;
      const c = run.completion;
      return `<tr><td>${escapeXml(run.label)}</td><td>${run.group}</td><td>${l.requestsPerSecond.toFixed(0)}</td><td>${l.latencyMs.p50}</td><td>${l.latencyMs.p90}</td><td>${l.latencyMs.p99}</td><td>${l.latencyMs.p99_9}</td><td>${l.latencyMs.max}</td><td>${l.errors}</td><td>${escapeXml(formatNon2xx(l.non2xx))}</td><td>${c === undefined ? '' : `${c.accepted} / ${c.stored}`}</td><td>${c === undefined ? '' : `${c.endToEndMs.p50} / ${c.endToEndMs.p99}`}</td></tr>`;
    })
    .join('\n');
  const ratioRows = results.ratios
    .map(
      (row) =>
        `<tr><td>${escapeXml(row.figure)}</td><td>${row.value} ${escapeXml(row.unit)}</td><td>${escapeXml(row.baseline)}: ${row.baselineValue}</td>${ratioCell(row)}<td>${escapeXml(describeTarget(row.target))}</td><td>${escapeXml(row.note ?? '')}</td></tr>`,
    )
    .join('\n');
  const checkRows = results.checks
    .map(
      (check) =>
        `<tr><td>${escapeXml(check.check)}</td><td>${escapeXml(check.value)}</td><td style="color:${check.met ? MET : MISSED};font-weight:600">${check.met ? 'ok' : 'FAILED'}</td></tr>`,
    )
    .join('\n');
  const drainRows = results.drains
    .map(
      (drain) =>
        `<tr><td>${escapeXml(drain.label)}</td><td>${drain.messages}</td><td>${drain.stored}</td><td>${drain.seconds}</td><td>${drain.messagesPerSecond.toFixed(0)}</td><td>${drain.wallSeconds}</td><td>${drain.peakRssMb ?? ''}</td></tr>`,
    )
    .join('\n');
  const profiles = results.profiles
    .map(
      (profile) =>
        `<h3>${escapeXml(profile.process)}: ${escapeXml(profile.path)}</h3><table><tr><th>category</th><th>self %</th></tr>${profile.byCategory
          .map((entry) => `<tr><td>${escapeXml(entry.name)}</td><td>${entry.selfPercent}</td></tr>`)
          .join('')}</table><table><tr><th>function</th><th>self %</th></tr>${profile.topFunctions
          .map((entry) => `<tr><td>${escapeXml(entry.name)}</td><td>${entry.selfPercent}</td></tr>`)
          .join('')}</table>`,
    )
    .join('\n');
  const banner =
    missed.length + failedChecks.length === 0
      ? `<p class="ok">Every target was met in this run.</p>`
      : `<p class="missed">Missed in this run: ${[
          ...missed.map((row) => row.figure),
          ...failedChecks.map((check) => check.check),
        ]
          .map(escapeXml)
          .join('; ')}.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>flowstack bench ${escapeXml(results.startedAt)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#111827;padding:0 1rem}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem;font-size:0.9rem}
th,td{border:1px solid #e5e7eb;padding:0.3rem 0.6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
.missed{color:${MISSED};font-weight:600}.ok{color:${MET};font-weight:600}
figure{margin:1rem 0}
</style></head><body>
<h1>flowstack benchmark</h1>
<p>${escapeXml(results.startedAt)} to ${escapeXml(results.finishedAt)}: ${m.nproc} CPUs (${escapeXml(m.cpuModel)}), ${m.memoryMb} MB, Node ${escapeXml(m.node)}, load average at start ${m.loadAverageAtStart.join(' / ')}.
The load generator runs on the same machine. Each figure is compared with a baseline measured in the same run, so ratios matter more than absolute numbers.</p>
<p>${escapeXml(runHeadline(results))}</p>
<p>Settings: ${results.settings.durationSeconds} s per path, ${results.settings.connections} connections, pipeline ${results.settings.pipelineSeconds} s, half-rate run ${results.settings.halfRateSeconds} s, backlog ${results.settings.backlog} messages, WORKER_BATCH_SIZE ${escapeXml(results.settings.workerBatchSize)}, WORKER_PREFETCH ${escapeXml(results.settings.workerPrefetch)}.</p>
${banner}
<h2>Ratios to baselines</h2>
<table><tr><th>figure</th><th>value</th><th>baseline</th><th>ratio</th><th>target</th><th>note</th></tr>
${ratioRows}</table>
<figure>${charts.ratios}</figure>
<h2>Checks</h2>
<table><tr><th>check</th><th>value</th><th>result</th></tr>
${checkRows}</table>
<h2>Runs</h2>
<table><tr><th>run</th><th>group</th><th>req/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th><th>errors</th><th>non-2xx</th><th>accepted / stored</th><th>e2e p50 / p99 ms</th></tr>
${runRows}</table>
<figure>${charts.throughput}</figure>
<figure>${charts.latency}</figure>
<figure>${charts.percentiles}</figure>
<figure>${charts.timelineBaselines}</figure>
<figure>${charts.timelineFlowstack}</figure>
<figure>${charts.timelinePipeline}</figure>
<figure>${charts.latencyOverTime}</figure>
<h2>Worker drain</h2>
<table><tr><th>worker</th><th>messages</th><th>stored</th><th>seconds (first to last stored)</th><th>messages/s</th><th>wall seconds</th><th>peak RSS MB</th></tr>
${drainRows}</table>
<h2>Peak RSS</h2>
<p>api ${results.rss.apiMb ?? 'n/a'} MB, worker ${results.rss.workerMb ?? 'n/a'} MB (VmHWM from /proc).</p>
${profiles === '' ? '' : `<h2>CPU profiles</h2>${profiles}`}
</body></html>
`;
}

/** Profile, Vault requests per order and the machine's load: what a figure here depends on. */
export function runHeadline(results: BenchResults): string {
  const m = results.machine;
  const profile =
    results.settings.profile === undefined
      ? 'profile not recorded'
      : results.settings.profile === 'vault'
        ? 'profile vault (as deployed: JWT login, leased credentials, Transit, Consul discovery and live config)'
        : 'profile no-vault (static credentials, no Transit, no Consul)';
  const vault =
    results.vaultRequestsPerOrder === undefined
      ? ''
      : `; Vault requests per accepted order ${results.vaultRequestsPerOrder}`;
  const after =
    m.loadAverageAfterLoad === undefined
      ? ''
      : `, after the load ${m.loadAverageAfterLoad.join(' / ')}`;
  return `${profile}${vault}; load average (1/5/15 min) at start ${m.loadAverageAtStart.join(' / ')}${after}`;
}
