import { VaultError } from '../../core/types.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes a base64-encoded statement, as Vault accepts them; anything else is returned as is. */
function maybeBase64(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length < 8 || !BASE64.test(trimmed)) return text;
  const decoded = Buffer.from(trimmed, 'base64').toString('utf8');
  // Only text that round-trips and is printable was really base64 of a statement.
  if (Buffer.from(decoded, 'utf8').toString('base64') !== trimmed) return text;
  return /^[\P{Cc}\n\r\t]*$/u.test(decoded) ? decoded : text;
}

/**
 * Normalises a statements field to a list of strings: a JSON list, or one string (optionally
 * base64). Vault keeps each entry as given; plugins decide how to split them.
 */
export function parseStatements(value: unknown, field: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item !== 'string') {
      throw new VaultError(400, `${field} must be a list of strings`);
    }
    return maybeBase64(item);
  });
}

/**
 * Splits the SQL entries into single statements the way the PostgreSQL plugin does: an entry
 * that is a JSON list of strings is expanded, then each entry is split on `;`.
 */
export function splitSql(entries: string[]): string[] {
  const expanded = entries.flatMap((entry) => {
    const trimmed = entry.trim();
    if (trimmed.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(trimmed);
        if (Array.isArray(parsed) && parsed.every((s) => typeof s === 'string')) {
          return parsed;
        }
      } catch {
        // Not JSON: plain SQL that starts with a bracket.
      }
    }
    return [entry];
  });
  return expanded
    .flatMap((entry) => entry.split(';'))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Replaces `{{key}}` placeholders (spaces inside the braces allowed). */
export function renderTemplate(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*([a-zA-Z_]+)\s*\}\}/g, (whole, key: string) =>
    Object.hasOwn(values, key) ? (values[key] ?? '') : whole,
  );
}
