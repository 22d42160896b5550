import { JobSpecError } from './errors.js';
import type { HclDocument } from './hcl.js';

const WHOLE_REFERENCE = /^\$\{var\.([A-Za-z0-9_-]+)\}$/;
const EMBEDDED_REFERENCE = /\$\{var\.([A-Za-z0-9_-]+)\}/g;

/** The `variable` blocks of a job file, by name, with their defaults. */
export function variableDefaults(file: string, document: HclDocument): Map<string, unknown> {
  const defaults = new Map<string, unknown>();
  const blocks = document['variable'];
  if (blocks === undefined) return defaults;
  if (!isRecord(blocks)) throw new JobSpecError(file, '"variable" must be labelled blocks');
  for (const [name, bodies] of Object.entries(blocks)) {
    const body: unknown = Array.isArray(bodies) ? bodies[0] : bodies;
    if (isRecord(body) && 'default' in body) defaults.set(name, body['default']);
  }
  return defaults;
}

/**
 * Replaces `${var.x}` with the variable's default, as `nomad job run` does when no -var is given,
 * so the rules see the values a plain deploy uses. A whole-string reference keeps the default's
 * type (a list stays a list); an embedded one is interpolated as text. Runtime references
 * (`${NOMAD_*}`, `${attr.*}`, `${node.*}`) are left for Nomad.
 */
export function resolveVariables(
  file: string,
  value: unknown,
  defaults: Map<string, unknown>,
): unknown {
  const lookup = (name: string): unknown => {
    if (!defaults.has(name)) {
      throw new JobSpecError(file, `var.${name} has no default (every variable needs one)`);
    }
    return defaults.get(name);
  };
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const whole = WHOLE_REFERENCE.exec(node);
      if (whole) return walk(lookup(whole[1]!));
      return node.replace(EMBEDDED_REFERENCE, (_match, name: string) => {
        const resolved = lookup(name);
        return typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
      });
    }
    if (Array.isArray(node)) return node.map(walk);
    if (isRecord(node)) {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    }
    return node;
  };
  return walk(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
