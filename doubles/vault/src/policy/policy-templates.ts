import type { PathRule } from './policy-parser.js';

/** What a templated policy path may refer to, taken from the token's identity. */
export interface TemplateIdentity {
  entityId: string;
  entityName: string;
  /** Accessor of the auth mount the token's entity alias belongs to. */
  aliasMountAccessor: string;
  aliasName: string;
  aliasMetadata: Record<string, string>;
}

const PLACEHOLDER = /\{\{\s*([^}\s]+)\s*\}\}/g;

/**
 * Resolves `{{identity.entity.id}}`, `{{identity.entity.name}}` and
 * `{{identity.entity.aliases.<mount accessor>.{id,name,metadata.<key>}}}` in rule patterns.
 * As in Vault, a rule whose template cannot be resolved for this token is dropped.
 */
export function resolveTemplates(
  rules: readonly PathRule[],
  identity: TemplateIdentity | undefined,
): PathRule[] {
  const out: PathRule[] = [];
  for (const rule of rules) {
    if (!rule.pattern.includes('{{')) {
      out.push(rule);
      continue;
    }
    if (!identity) continue;
    let unresolved = false;
    const pattern = rule.pattern.replace(PLACEHOLDER, (_whole, expr: string) => {
      const value = lookup(expr, identity);
      if (value === undefined || value === '') unresolved = true;
      return value ?? '';
    });
    if (!unresolved) out.push({ ...rule, pattern });
  }
  return out;
}

function lookup(expr: string, identity: TemplateIdentity): string | undefined {
  if (expr === 'identity.entity.id') return identity.entityId;
  if (expr === 'identity.entity.name') return identity.entityName;
  const alias = /^identity\.entity\.aliases\.([^.]+)\.(id|name|metadata\.(.+))$/.exec(expr);
  if (!alias || alias[1] !== identity.aliasMountAccessor) return undefined;
  if (alias[2] === 'name') return identity.aliasName;
  if (alias[2] === 'id') return identity.entityId;
  const key = alias[3];
  return key === undefined ? undefined : identity.aliasMetadata[key];
}
