import { parseDuration } from '../core/ttl.js';
import { VaultError } from '../core/types.js';

/**
 * Typed readers for Vault request fields. Vault's field parser is lenient (numbers as strings,
 * lists as comma-separated strings, booleans as "true"); these mirror it and reject the rest
 * with 400, so handlers only ever see the declared types.
 */
export type Body = Record<string, unknown>;

export function str(body: Body, key: string, fallback = ''): string {
  const value = body[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw badField(key, 'string');
}

export function bool(body: Body, key: string, fallback: boolean): boolean {
  const value = body[key];
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 1) return true;
  if (value === 'false' || value === '0' || value === 0) return false;
  throw badField(key, 'bool');
}

export function int(body: Body, key: string, fallback: number): number {
  const value = body[key];
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw badField(key, 'int');
  return n;
}

/** A list given as a JSON array or a comma-separated string; blanks removed. */
export function strList(body: Body, key: string, fallback: string[] = []): string[] {
  const value = body[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string') return splitList(value);
  if (Array.isArray(value)) return value.map((item) => String(item).trim()).filter((s) => s !== '');
  throw badField(key, 'comma-separated string or array');
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function strMap(body: Body, key: string): Record<string, string> {
  const value = body[key];
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badField(key, 'map');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = String(v);
  return out;
}

export function obj(body: Body, key: string): Body {
  const value = body[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badField(key, 'map');
  return value as Body;
}

/** Seconds from a Vault duration field ("1h", "3600", 3600). */
export function duration(body: Body, key: string, fallback = 0): number {
  return parseDuration(body[key], fallback, key);
}

export function has(body: Body, key: string): boolean {
  return body[key] !== undefined && body[key] !== null;
}

function badField(key: string, type: string): VaultError {
  return new VaultError(400, `error converting input for field "${key}": expected ${type}`);
}
