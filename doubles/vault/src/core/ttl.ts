import { parseGoDuration } from '@flowstack/config';
import { VaultError } from './types.js';

/**
 * Parses a duration as Vault does (parseutil.ParseDurationSecond): an integer number of seconds
 * ("3600" or 3600) or a Go duration with an optional `d` unit ("1h30m", "768h", "7d").
 * Returns whole seconds. Empty or undefined gives `fallback`.
 */
export function parseDuration(value: unknown, fallback = 0, field = 'ttl'): number {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw invalid(field, String(value));
    return Math.floor(value);
  }
  if (typeof value !== 'string') throw invalid(field, JSON.stringify(value));
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number.parseInt(text, 10);
  const ms = parseGoDuration(text, { days: true });
  if (ms === undefined) throw invalid(field, text);
  return Math.floor(ms / 1000);
}

/** Formats seconds the way Go's time.Duration prints them: "1h0m0s", "30m0s", "45s", "0s". */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

function invalid(field: string, value: string): VaultError {
  return new VaultError(400, `error parsing ${field}: time: invalid duration "${value}"`);
}
