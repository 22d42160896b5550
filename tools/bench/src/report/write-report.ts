import { runHeadline } from './html-report.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCharts, renderHtml } from './html-report.js';
import { describeTarget, type BenchResults } from './results.js';
import { formatTable } from './summary-table.js';

export interface WrittenReport {
  json: string;
  html: string;
  latest: string;
  chartsDir: string;
}

/** results/<timestamp>.json, .html, the charts as SVG files, and results/latest.json. */
export async function writeReport(results: BenchResults, dir: string): Promise<WrittenReport> {
  await mkdir(dir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const charts = buildCharts(results);
  const json = join(dir, `${stamp}.json`);
  const html = join(dir, `${stamp}.html`);
  const latest = join(dir, 'latest.json');
  const chartsDir = join(dir, `${stamp}-charts`);
  const text = `${JSON.stringify(results, null, 2)}\n`;
  await writeFile(json, text);
  await writeFile(latest, text);
  await writeFile(html, renderHtml(results, charts));
  await mkdir(chartsDir, { recursive: true });
  for (const [name, svg] of Object.entries(charts) as [string, string][]) {
    await writeFile(join(chartsDir, `${name}.svg`), svg);
  }
  return { json, html, latest, chartsDir };
}

const RED = '\u001b[31m';
const GREEN = '\u001b[32m';
const RESET = '\u001b[0m';

/** The ratios as a table; missed targets in red when the stream is a terminal. */
export function ratiosTable(results: BenchResults, color: boolean): string {
  const paint = (text: string, met: boolean | undefined) =>
    !color || met === undefined ? text : `${met ? GREEN : RED}${text}${RESET}`;
  const rows = results.ratios.map((row) => [
    row.figure,
    `${row.value} ${row.unit}`,
    `${row.baseline} ${row.baselineValue}`,
    paint(`${row.ratio.toFixed(2)}x`, row.met),
    describeTarget(row.target),
    row.met === undefined ? '' : paint(row.met ? 'met' : 'MISSED', row.met),
  ]);
  const checks = results.checks.map((check) => [
    check.check,
    check.value,
    '',
    '',
    '',
    paint(check.met ? 'ok' : 'FAILED', check.met),
  ]);
  return `${runHeadline(results)}\n\n${formatTable(['figure', 'value', 'baseline', 'ratio', 'target', ''], [...rows, ...checks])}`;
}
