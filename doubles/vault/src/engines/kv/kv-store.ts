/** Key listing shared by KV v1 and v2: direct children of `prefix`, folders end in "/". */
export function listChildren(keys: Iterable<string>, prefix: string): string[] {
  const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const out = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(base) || key === base) continue;
    const rest = key.slice(base.length);
    const slash = rest.indexOf('/');
    out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  return [...out].sort();
}
