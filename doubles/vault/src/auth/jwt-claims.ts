import { VaultError } from '../core/types.js';

export type Claims = Record<string, unknown>;

/** A claim by name, or by JSON-pointer-like path ("/a/b") as Vault's bound_claims accept. */
export function claimAt(claims: Claims, name: string): unknown {
  if (!name.startsWith('/')) return claims[name];
  let current: unknown = claims;
  for (const part of name.slice(1).split('/')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Vault's bound_claims check: every bound claim must match one of its allowed values. */
export function checkBoundClaims(
  claims: Claims,
  bound: Record<string, string[]>,
  glob: boolean,
): void {
  for (const [name, allowed] of Object.entries(bound)) {
    const actual = claimAt(claims, name);
    if (actual === undefined) {
      throw new VaultError(400, `error validating claims: claim "${name}" is missing`);
    }
    const values = (Array.isArray(actual) ? actual : [actual])
      .map(scalarText)
      .filter((v): v is string => v !== undefined);
    const ok = values.some((value) =>
      allowed.some((want) => (glob ? globMatch(want, value) : want === value)),
    );
    if (!ok) {
      throw new VaultError(
        400,
        `error validating claims: claim "${name}" does not match any associated bound claim values`,
      );
    }
  }
}

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    's',
  );
  return re.test(value);
}

/** claim_mappings: claim name -> metadata key; only string-like claims are copied. */
export function mapClaims(
  claims: Claims,
  mappings: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [claim, key] of Object.entries(mappings)) {
    const value = claimAt(claims, claim);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out[key] = String(value);
    }
  }
  return out;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}
