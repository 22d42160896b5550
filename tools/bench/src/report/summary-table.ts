import type { CompletionReport } from '../load/completion.js';
import type { LoadResult } from '../load/run-load.js';

/** Plain-text table: one row per run, aligned columns. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, index) =>
        index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!),
      )
      .join('  ');
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}

export function formatNon2xx(non2xx: Record<string, number>): string {
  const entries = Object.entries(non2xx);
  return entries.length === 0
    ? '-'
    : entries.map(([status, count]) => `${status}:${count}`).join(' ');
}

export function summaryTable(results: readonly LoadResult[]): string {
  return formatTable(
    ['run', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'errors', 'non-2xx'],
    results.map((result) => [
      result.name,
      result.requestsPerSecond.toFixed(0),
      String(result.latencyMs.p50),
      String(result.latencyMs.p90),
      String(result.latencyMs.p99),
      String(result.latencyMs.p99_9),
      String(result.latencyMs.max),
      String(result.errors),
      formatNon2xx(result.non2xx),
    ]),
  );
}

export function completionLines(report: CompletionReport): string {
  const e2e = report.endToEndMs;
  return [
    `accepted ${report.accepted}, stored ${report.stored}, missing ${report.missing} (checked through the ${report.source})`,
    `end-to-end 202 -> stored: p50 ${e2e.p50} ms, p90 ${e2e.p90} ms, p99 ${e2e.p99} ms, max ${e2e.max} ms`,
  ].join('\n');
}
