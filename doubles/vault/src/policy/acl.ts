import type { Capability } from './capabilities.js';
import { compilePattern, comparePriority, type PathPattern } from './path-pattern.js';
import type { PathRule } from './policy-parser.js';

export interface Acl {
  /** The capabilities granted on `path` (after deny handling): empty when nothing matches. */
  capabilities(path: string): Set<Capability>;
  readonly isRoot: boolean;
}

interface MergedRule {
  pattern: PathPattern;
  capabilities: Set<Capability>;
}

/**
 * Builds the ACL of a token from the rules of all its policies. Rules that share a pattern are
 * unioned; between different matching patterns only the highest-priority one counts; `deny`
 * in the chosen rule removes every capability.
 */
export function buildAcl(rules: readonly PathRule[], isRoot = false): Acl {
  const byPattern = new Map<string, MergedRule>();
  for (const rule of rules) {
    let merged = byPattern.get(rule.pattern);
    if (!merged) {
      merged = { pattern: compilePattern(rule.pattern), capabilities: new Set() };
      byPattern.set(rule.pattern, merged);
    }
    for (const cap of rule.capabilities) merged.capabilities.add(cap);
  }
  const merged = [...byPattern.values()];
  return {
    isRoot,
    capabilities(path) {
      if (isRoot) {
        return new Set<Capability>(['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo']);
      }
      let best: MergedRule | undefined;
      for (const rule of merged) {
        if (!rule.pattern.matches(path)) continue;
        if (!best || comparePriority(rule.pattern.text, best.pattern.text) > 0) best = rule;
      }
      if (!best || best.capabilities.has('deny')) return new Set();
      return new Set(best.capabilities);
    },
  };
}
