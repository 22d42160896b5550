/**
 * A lookup in a table keyed by request input (mount types, plugin names) that only sees the
 * table's own entries: `table["constructor"]` would otherwise find Object.prototype's.
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * A record for names that come from requests (roles, secret ids, serials), with no prototype:
 * `record["__proto__"]` or `record["constructor"]` is then a missing entry, not Object's, and
 * assigning to it stores an entry instead of replacing the prototype. JSON.stringify and
 * Object.entries treat it as a plain object, so saved state keeps its format.
 */
export function nameRecord<T>(saved?: Readonly<Record<string, T>>): Record<string, T> {
  const record = Object.create(null) as Record<string, T>;
  for (const [key, value] of Object.entries(saved ?? {})) record[key] = value;
  return record;
}
