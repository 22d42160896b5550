import { parseGoDuration } from '@flowstack/config';
import { badRequest } from './errors.js';

/**
 * Parses a Go duration ("10s", "1m30s", "500ms") into milliseconds, as Consul's
 * `time.ParseDuration` does. A JSON number is taken as nanoseconds (Go's encoding of Duration).
 * Returns undefined when the text is not a duration.
 */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value / 1e6 : undefined;
  }
  if (typeof value !== 'string') return undefined;
  return parseGoDuration(value.trim());
}

/** Like parseDurationMs but a present, malformed value is a 400, as Consul answers it. */
export function requireDurationMs(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ms = parseDurationMs(value);
  if (ms === undefined) throw badRequest(`Invalid duration for ${field}: ${JSON.stringify(value)}`);
  return ms;
}

/** Formats milliseconds the way Go prints a time.Duration ("10s", "1m30s", "500ms"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  let rest = ms / 1000;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  rest -= minutes * 60;
  const seconds = Number(rest.toFixed(3));
  let out = '';
  if (hours) out += `${hours}h`;
  if (hours || minutes) out += `${minutes}m`;
  out += `${seconds}s`;
  return out;
}
