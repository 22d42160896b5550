/** A policy path pattern with Vault's glob semantics: trailing `*` prefix glob, `+` one segment. */
export interface PathPattern {
  readonly text: string;
  matches(path: string): boolean;
}

export function compilePattern(text: string): PathPattern {
  const isPrefix = text.endsWith('*');
  const body = isPrefix ? text.slice(0, -1) : text;
  if (!body.split('/').includes('+')) {
    return {
      text,
      matches: (path) => (isPrefix ? path.startsWith(body) : path === body),
    };
  }
  const source = body
    .split('/')
    .map((segment) => (segment === '+' ? '[^/]+' : escapeRegExp(segment)))
    .join('/');
  const re = new RegExp(`^${source}${isPrefix ? '.*' : ''}$`, 's');
  return { text, matches: (path) => re.test(path) };
}

/**
 * Vault's documented priority between two different matching patterns (docs/concepts/policies):
 * P1 ranks lower than P2 when, checked in order, P1's first wildcard comes earlier, P1 ends in
 * `*` and P2 does not, P1 has more `+` segments, P1 is shorter, or P1 sorts lower.
 * Returns a negative number when `a` ranks lower than `b`.
 */
export function comparePriority(a: string, b: string): number {
  const wa = firstWildcard(a);
  const wb = firstWildcard(b);
  if (wa !== wb) return wa - wb;
  const sa = a.endsWith('*');
  const sb = b.endsWith('*');
  if (sa !== sb) return sa ? -1 : 1;
  const pa = plusSegments(a);
  const pb = plusSegments(b);
  if (pa !== pb) return pb - pa;
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function firstWildcard(pattern: string): number {
  const segments = pattern.split('/');
  let offset = 0;
  let first = Number.POSITIVE_INFINITY;
  for (const segment of segments) {
    if (segment === '+') {
      first = offset;
      break;
    }
    offset += segment.length + 1;
  }
  if (pattern.endsWith('*')) first = Math.min(first, pattern.length - 1);
  return first;
}

function plusSegments(pattern: string): number {
  return pattern.split('/').filter((segment) => segment === '+').length;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
