import type { Capability } from './capabilities.js';
import { compilePattern, comparePriority, type PathPattern } from './path-pattern.js';
import type { PathRule } from './policy-parser.js';

export interface Acl {
  /** The capabilities granted on `path` (after deny handling): empty when nothing matches. */
  capabilities(path: string): Set<Capability>;
  /** Whether the rule that governs `path` denies this body parameter (Vault `denied_parameters`). */
  deniesParameter(path: string, name: string): boolean;
  readonly isRoot: boolean;
}

interface MergedRule {
  pattern: PathPattern;
  capabilities: Set<Capability>;
  denied: Set<string>;
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
      merged = {
        pattern: compilePattern(rule.pattern),
        capabilities: new Set(),
        denied: new Set(),
      };
      byPattern.set(rule.pattern, merged);
    }
    for (const cap of rule.capabilities) merged.capabilities.add(cap);
    for (const name of rule.deniedParameters ?? []) merged.denied.add(name);
  }
  const merged = [...byPattern.values()];
  const governing = (path: string): MergedRule | undefined => {
    let best: MergedRule | undefined;
    for (const rule of merged) {
      if (!rule.pattern.matches(path)) continue;
      if (!best || comparePriority(rule.pattern.text, best.pattern.text) > 0) best = rule;
    }
    return best;
  };
  return {
    isRoot,
    capabilities(path) {
      if (isRoot) {
        return new Set<Capability>(['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo']);
      }
      const best = governing(path);
      if (!best || best.capabilities.has('deny')) return new Set();
      return new Set(best.capabilities);
    },
    deniesParameter(path, name) {
      if (isRoot) return false;
      const denied = governing(path)?.denied;
      return denied !== undefined && (denied.has('*') || denied.has(name.toLowerCase()));
    },
  };
}
