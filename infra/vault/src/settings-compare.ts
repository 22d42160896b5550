/**
 * Decides whether what Vault reports already matches what the bootstrap would write, so that a
 * second run writes nothing. Vault reads differ from writes in form (durations come back as
 * seconds, lists as arrays, JSON strings as objects), so both sides are normalised first.
 */
import { parseGoDuration } from '@flowstack/config';

/** "1h30m", "90s", "90" or 90 -> seconds; undefined when it is not a duration. */
export function durationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const ms = parseGoDuration(text, { days: true });
  return ms === undefined ? undefined : ms / 1000;
}

export type FieldKind = 'duration' | 'set' | 'list' | 'json' | 'value';

export interface FieldRule {
  kind: FieldKind;
  /** Values that mean the same on a read as the desired one (e.g. token_type default = service). */
  equivalents?: readonly unknown[];
  /** A read of this value means "the server does not report the field". */
  unreported?: (current: unknown) => boolean;
  /** Applied to both sides before comparing. */
  normalize?: (value: unknown) => unknown;
}

/** Desired settings: field -> value, and how to compare a field (default: by value). */
export interface DesiredSettings {
  values: Record<string, unknown>;
  rules?: Record<string, FieldRule>;
  /** Fields that are write-only in Vault (passwords): never compared. */
  writeOnly?: readonly string[];
}

function scalarText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(scalarText);
  if (typeof value === 'string') return value === '' ? [] : value.split(',').map((v) => v.trim());
  return value === undefined || value === null ? [] : [scalarText(value)];
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** Deep equality with object keys in any order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return (
      sameJson(ka, kb) &&
      ka.every((k) =>
        sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
      )
    );
  }
  return a === b;
}

function fieldMatches(rule: FieldRule, desired: unknown, current: unknown): boolean {
  if (rule.equivalents?.some((e) => sameJson(e, current))) return true;
  switch (rule.kind) {
    case 'duration':
      return durationSeconds(desired) === durationSeconds(current ?? 0);
    case 'set': {
      const a = [...new Set(asList(desired))].sort();
      const b = [...new Set(asList(current))].sort();
      return sameJson(a, b);
    }
    case 'list':
      return sameJson(asList(desired), asList(current));
    case 'json':
      return sameJson(parseJson(desired), parseJson(current));
    case 'value':
      return typeof desired === 'object' || typeof current === 'object'
        ? sameJson(desired, current)
        : scalarText(desired) === scalarText(current);
  }
}

/**
 * The desired fields whose current value differs. A field the read does not carry at all is
 * not reported by that server and counts as matching; write-only fields are never compared.
 */
export function differingFields(
  desired: DesiredSettings,
  current: Record<string, unknown>,
): string[] {
  const writeOnly = new Set(desired.writeOnly ?? []);
  return Object.entries(desired.values)
    .filter(([key]) => !writeOnly.has(key))
    .filter(([key, value]) => {
      if (!(key in current)) return false;
      const rule = desired.rules?.[key] ?? { kind: 'value' };
      if (rule.unreported?.(current[key])) return false;
      const normalize = rule.normalize ?? ((v: unknown) => v);
      return !fieldMatches(rule, normalize(value), normalize(current[key]));
    })
    .map(([key]) => key);
}
