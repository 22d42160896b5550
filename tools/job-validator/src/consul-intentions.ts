/** An L4 service-intention: may `source` open connections to `destination`? */
export interface Intention {
  source: string;
  destination: string;
  action: 'allow' | 'deny';
}

/**
 * Whether the intentions let `source` reach `destination`, as Consul decides with
 * default_policy = "deny": the most specific matching intention wins (exact names before `*`).
 */
export function isAllowed(
  intentions: readonly Intention[],
  source: string,
  destination: string,
): boolean {
  const candidates = intentions
    .filter(
      (i) =>
        (i.source === source || i.source === '*') &&
        (i.destination === destination || i.destination === '*'),
    )
    .sort((a, b) => precedence(b) - precedence(a));
  return candidates[0]?.action === 'allow';
}

function precedence(intention: Intention): number {
  return (intention.destination === '*' ? 0 : 2) + (intention.source === '*' ? 0 : 1);
}
