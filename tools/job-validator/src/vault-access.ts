import { z } from 'zod';
import { JobSpecError } from './errors.js';
import { parseHcl } from './hcl.js';

/** One `path "..." { capabilities = [...] }` of a Vault policy. */
export interface PolicyRule {
  pattern: string;
  capabilities: readonly string[];
}

/** A path a service calls and the capabilities the call needs (infra/vault/src/registry.ts). */
export interface VaultPathUse {
  path: string;
  capabilities: readonly string[];
}

/** Everything the Vault rule compares: who uses what, what the policies grant, which role has which. */
export interface VaultAccess {
  /** By service (api, worker): the paths it calls. */
  registry: ReadonlyMap<string, readonly VaultPathUse[]>;
  /** By policy name. */
  policies: ReadonlyMap<string, readonly PolicyRule[]>;
  /** By JWT role name at jwt-nomad: its token_policies. */
  roles: ReadonlyMap<string, readonly string[]>;
}

const policySchema = z.object({
  path: z
    .record(z.string(), z.array(z.object({ capabilities: z.array(z.string()).default([]) })))
    .default({}),
});

export async function parsePolicy(file: string, text: string): Promise<PolicyRule[]> {
  const parsed = policySchema.safeParse(await parseHcl(file, text));
  if (!parsed.success) throw new JobSpecError(file, `not a Vault policy: ${parsed.error.message}`);
  return Object.entries(parsed.data.path).flatMap(([pattern, bodies]) =>
    bodies.map((body) => ({
      pattern: pattern.replace(/^\/+/, ''),
      capabilities: body.capabilities,
    })),
  );
}

/** Vault's glob semantics: a trailing `*` is a prefix match, `+` matches one path segment. */
export function patternMatches(pattern: string, path: string): boolean {
  const prefix = pattern.endsWith('*');
  const body = prefix ? pattern.slice(0, -1) : pattern;
  const source = body
    .split('/')
    .map((segment) => (segment === '+' ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}${prefix ? '.*' : ''}$`, 's').test(path);
}

function hasGlob(pattern: string): boolean {
  return pattern.endsWith('*') || pattern.split('/').includes('+');
}

/**
 * The capabilities a set of policies gives on a path. Within a policy the most specific matching
 * pattern wins (an exact pattern over any glob, then the longer one: enough for the policies
 * flowstack writes); across policies capabilities add up, and deny anywhere wins.
 */
export function grantedCapabilities(
  rules: readonly (readonly PolicyRule[])[],
  path: string,
): Set<string> {
  const granted = new Set<string>();
  let denied = false;
  for (const policy of rules) {
    const matching = policy
      .filter((rule) => patternMatches(rule.pattern, path))
      .sort(
        (a, b) =>
          Number(hasGlob(a.pattern)) - Number(hasGlob(b.pattern)) ||
          b.pattern.length - a.pattern.length,
      );
    const best = matching[0];
    if (!best) continue;
    if (best.capabilities.includes('deny')) denied = true;
    for (const capability of best.capabilities) granted.add(capability);
  }
  return denied ? new Set(['deny']) : granted;
}

export interface AccessProblem {
  message: string;
}

/**
 * Compares what a role's policies grant with what the service uses: every used path is granted
 * with its capabilities, and no rule is broader than a use (a glob, a path nobody calls, or a
 * capability no call needs).
 */
export function compareAccess(
  access: VaultAccess,
  role: string,
  uses: readonly VaultPathUse[],
): AccessProblem[] {
  const problems: AccessProblem[] = [];
  const policyNames = access.roles.get(role);
  if (policyNames === undefined) return [{ message: `Vault role "${role}" is not defined` }];
  const policies: (readonly PolicyRule[])[] = [];
  for (const name of policyNames) {
    const rules = access.policies.get(name);
    if (rules === undefined) {
      problems.push({ message: `policy "${name}" of role "${role}" does not exist` });
    } else {
      policies.push(rules);
    }
  }
  for (const use of uses) {
    const granted = grantedCapabilities(policies, use.path);
    const missing = use.capabilities.filter((capability) => !granted.has(capability));
    if (missing.length > 0) {
      problems.push({ message: `role "${role}" lacks ${missing.join(', ')} on ${use.path}` });
    }
  }
  for (const rule of policies.flat()) {
    const used = uses.filter((use) => use.path === rule.pattern);
    // The registry's own globs (a service's lease prefixes) are uses; any other glob is too broad.
    if (hasGlob(rule.pattern) && used.length === 0) {
      problems.push({
        message: `role "${role}" grants the glob ${rule.pattern}: broader than any path it uses`,
      });
      continue;
    }
    if (used.length === 0) {
      problems.push({
        message: `role "${role}" grants ${rule.pattern}, which the service never calls`,
      });
      continue;
    }
    const needed = new Set(used.flatMap((use) => use.capabilities));
    const extra = rule.capabilities.filter(
      (capability) => capability !== 'deny' && !needed.has(capability),
    );
    if (extra.length > 0) {
      problems.push({
        message: `role "${role}" grants ${extra.join(', ')} on ${rule.pattern}, which no call needs`,
      });
    }
  }
  return problems;
}
