// Small, dependency-free SVG charts for the report. Every chart is a self-contained <svg>.

const PALETTE = [
  '#2563eb',
  '#16a34a',
  '#dc2626',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#4d7c0f',
  '#be185d',
  '#64748b',
  '#ca8a04',
  '#0f766e',
  '#7c3aed',
];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function fmt(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function frame(width: number, height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12"><rect width="${width}" height="${height}" fill="#ffffff"/><text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(title)}</text>${body}</svg>`;
}

export interface BarRow {
  label: string;
  value: number;
  color?: string;
  /** Text after the bar; default the value. */
  annotation?: string;
}

/** Horizontal bars, linear scale from zero, with an optional vertical marker (a target). */
export function barChart(options: {
  title: string;
  unit: string;
  rows: readonly BarRow[];
  marker?: { value: number; label: string };
}): string {
  const labelWidth = 300;
  const width = 820;
  const rowHeight = 24;
  const top = 36;
  const plotWidth = width - labelWidth - 140;
  const height = top + options.rows.length * rowHeight + 30;
  const maxValue = Math.max(
    1e-9,
    ...options.rows.map((row) => row.value),
    options.marker?.value ?? 0,
  );
  const x = (value: number) => labelWidth + (value / maxValue) * plotWidth;
  let body = '';
  options.rows.forEach((row, index) => {
    const y = top + index * rowHeight;
    body += `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escapeXml(row.label)}</text>`;
    body += `<rect x="${labelWidth}" y="${y + 4}" width="${Math.max(1, x(row.value) - labelWidth).toFixed(1)}" height="${rowHeight - 8}" fill="${row.color ?? PALETTE[0]}"/>`;
    body += `<text x="${(x(row.value) + 6).toFixed(1)}" y="${y + 16}">${escapeXml(row.annotation ?? `${fmt(row.value)} ${options.unit}`)}</text>`;
  });
  if (options.marker !== undefined) {
    const mx = x(options.marker.value).toFixed(1);
    body += `<line x1="${mx}" x2="${mx}" y1="${top - 4}" y2="${height - 26}" stroke="#111827" stroke-dasharray="4 3"/>`;
    body += `<text x="${mx}" y="${height - 12}" text-anchor="middle" fill="#111827">${escapeXml(options.marker.label)}</text>`;
  }
  return frame(width, height, options.title, body);
}

export interface GroupRow {
  label: string;
  values: number[];
}

/** Horizontal grouped bars on a log scale (latencies span orders of magnitude). */
export function groupedLogBars(options: {
  title: string;
  unit: string;
  seriesNames: readonly string[];
  rows: readonly GroupRow[];
}): string {
  const labelWidth = 290;
  const width = 820;
  const barHeight = 9;
  const groupHeight = options.seriesNames.length * barHeight + 10;
  const top = 56;
  const plotWidth = width - labelWidth - 90;
  const height = top + options.rows.length * groupHeight + 36;
  const all = options.rows.flatMap((row) => row.values).filter((value) => value > 0);
  const lo = Math.log10(Math.max(0.1, Math.min(...all, 1)));
  const hi = Math.log10(Math.max(...all, 10)) + 0.05;
  const x = (value: number) =>
    labelWidth + ((Math.log10(Math.max(value, 10 ** lo)) - lo) / (hi - lo)) * plotWidth;
  let body = '';
  options.seriesNames.forEach((name, index) => {
    const lx = labelWidth + index * 110;
    body += `<rect x="${lx}" y="30" width="12" height="12" fill="${PALETTE[index % PALETTE.length]}"/><text x="${lx + 16}" y="40">${escapeXml(name)}</text>`;
  });
  for (let decade = Math.ceil(lo); decade <= Math.floor(hi); decade += 1) {
    const gx = x(10 ** decade).toFixed(1);
    body += `<line x1="${gx}" x2="${gx}" y1="${top - 4}" y2="${height - 30}" stroke="#e5e7eb"/><text x="${gx}" y="${height - 16}" text-anchor="middle" fill="#6b7280">${fmt(10 ** decade)} ${options.unit}</text>`;
  }
  options.rows.forEach((row, rowIndex) => {
    const y = top + rowIndex * groupHeight;
    body += `<text x="${labelWidth - 8}" y="${y + groupHeight / 2 + 2}" text-anchor="end">${escapeXml(row.label)}</text>`;
    row.values.forEach((value, index) => {
      const by = y + index * barHeight;
      body += `<rect x="${labelWidth}" y="${by}" width="${Math.max(1, x(value) - labelWidth).toFixed(1)}" height="${barHeight - 1}" fill="${PALETTE[index % PALETTE.length]}"/>`;
      body += `<text x="${(x(value) + 4).toFixed(1)}" y="${by + 8}" font-size="9" fill="#374151">${fmt(value)}</text>`;
    });
  });
  return frame(width, height, options.title, body);
}

export interface Series {
  name: string;
  values: readonly number[];
}

/** A step between axis ticks that gives about `count` ticks over `span`: 1, 2 or 5 times 10^n. */
export function tickStep(span: number, count = 6): number {
  const raw = Math.max(span, 1) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw);
  return Math.max(1, step ?? 10 * power);
}

/**
 * Lines over x positions, linear y from zero, ticks on both axes, legend on the right. `xAt`
 * places point i (default: one point per second, starting at second 1); `xTicks` labels the
 * x axis (default: every tickStep seconds).
 */
export function lineChart(options: {
  title: string;
  yUnit: string;
  series: readonly Series[];
  xLabel?: string;
  xAt?: (index: number, series: Series) => number;
  xTicks?: readonly { at: number; label: string }[];
}): string {
  const width = 820;
  const height = 340;
  const left = 70;
  const right = 290;
  const top = 36;
  const bottom = 48;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const xAt = options.xAt ?? ((index: number) => index + 1);
  const xs = options.series.flatMap((series) => series.values.map((_v, i) => xAt(i, series)));
  const xMax = Math.max(2, ...xs);
  const xMin = Math.min(options.xAt === undefined ? 0 : xMax, ...xs);
  const maxValue = Math.max(1, ...options.series.flatMap((series) => series.values));
  const x = (at: number) => left + ((at - xMin) / Math.max(xMax - xMin, 1e-9)) * plotWidth;
  const y = (value: number) => top + plotHeight - (value / maxValue) * plotHeight;
  let body = `<line x1="${left}" x2="${left + plotWidth}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#9ca3af"/>`;
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (maxValue * tick) / 4;
    const ty = y(value).toFixed(1);
    body += `<line x1="${left}" x2="${left + plotWidth}" y1="${ty}" y2="${ty}" stroke="#f3f4f6"/><text x="${left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle" fill="#6b7280">${fmt(value)}</text>`;
  }
  const step = tickStep(xMax - xMin);
  const xTicks =
    options.xTicks ??
    Array.from({ length: Math.floor((xMax - xMin) / step) + 1 }, (_v, i) => {
      const at = Math.ceil(xMin / step) * step + i * step;
      return { at, label: String(at) };
    }).filter((tick) => tick.at <= xMax);
  for (const tick of xTicks) {
    const tx = x(tick.at).toFixed(1);
    body += `<line x1="${tx}" x2="${tx}" y1="${top + plotHeight}" y2="${top + plotHeight + 5}" stroke="#9ca3af"/><text x="${tx}" y="${top + plotHeight + 17}" text-anchor="middle" fill="#6b7280">${escapeXml(tick.label)}</text>`;
  }
  body += `<text x="${left + plotWidth / 2}" y="${height - 8}" text-anchor="middle" fill="#6b7280">${escapeXml(options.xLabel ?? 'seconds into the run')}</text>`;
  body += `<text x="14" y="${top + plotHeight / 2}" transform="rotate(-90 14 ${top + plotHeight / 2})" text-anchor="middle" fill="#6b7280">${escapeXml(options.yUnit)}</text>`;
  options.series.forEach((series, index) => {
    const color = PALETTE[index % PALETTE.length]!;
    const points = series.values
      .map((value, i) => `${x(xAt(i, series)).toFixed(1)},${y(value).toFixed(1)}`)
      .join(' ');
    body += `<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${points}"/>`;
    const ly = top + index * 18;
    body += `<line x1="${left + plotWidth + 14}" x2="${left + plotWidth + 32}" y1="${ly + 6}" y2="${ly + 6}" stroke="${color}" stroke-width="3"/><text x="${left + plotWidth + 38}" y="${ly + 10}">${escapeXml(series.name)}</text>`;
  });
  return frame(width, height, options.title, body);
}

/** Where a percentile sits on a "nines" axis: 90 -> 1, 99 -> 2, 99.9 -> 3 (50 -> 0.3). */
export function ninesOf(percentile: number): number {
  return -Math.log10(Math.max(1e-6, 1 - percentile / 100));
}

/** Latency by percentile (HDR-style: the tail spread out on a "nines" axis). */
export function percentileChart(options: {
  title: string;
  series: readonly { name: string; points: readonly [number, number][] }[];
}): string {
  const byName = new Map(options.series.map((series) => [series.name, series.points]));
  return lineChart({
    title: options.title,
    yUnit: 'latency (ms)',
    xLabel: 'percentile',
    series: options.series.map((series) => ({
      name: series.name,
      values: series.points.map(([, ms]) => ms),
    })),
    xAt: (index, series) => ninesOf(byName.get(series.name)?.[index]?.[0] ?? 0),
    xTicks: [0, 50, 90, 99, 99.9, 99.99, 99.999].map((q) => ({ at: ninesOf(q), label: `p${q}` })),
  });
}
