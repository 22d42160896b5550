import { VaultError } from '../core/types.js';
import { isCapability, LEGACY_POLICY_CAPABILITIES, type Capability } from './capabilities.js';

export interface PathRule {
  /** The pattern as written, without a leading slash: "secret/data/app/*". */
  pattern: string;
  capabilities: Capability[];
  /** Lower-cased names of `denied_parameters`; `*` denies every parameter. */
  deniedParameters?: string[];
}

/**
 * Parses Vault policy text: HCL (through HashiCorp's own HCL parser compiled to WASM), the JSON
 * form, or either of them base64-encoded, as sys/policies/acl accepts them.
 */
export async function parsePolicy(text: string): Promise<PathRule[]> {
  const source = maybeBase64(text);
  let document: unknown;
  try {
    if (source.trim().startsWith('{')) {
      document = JSON.parse(source);
    } else {
      // Loaded on first use: the WASM parser costs more than the rest of startup.
      const { parse } = await import('@cdktf/hcl2json');
      document = await parse('policy.hcl', source);
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new VaultError(400, `failed to parse policy: ${detail}`);
  }
  return rulesFrom(document);
}

function maybeBase64(text: string): string {
  const compact = text.trim();
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    return text;
  }
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  return /path\s*"|"path"\s*:/.test(decoded) ? decoded : text;
}

function rulesFrom(document: unknown): PathRule[] {
  if (!isRecord(document)) throw new VaultError(400, 'failed to parse policy: not an object');
  const paths = document['path'];
  if (paths === undefined) return [];
  if (!isRecord(paths)) throw new VaultError(400, 'failed to parse policy: "path" must be a block');
  const rules: PathRule[] = [];
  for (const [rawPattern, body] of Object.entries(paths)) {
    // hcl2json gives a list of blocks per label; Vault's JSON form gives one object.
    const blocks: unknown[] = Array.isArray(body) ? body : [body];
    for (const block of blocks) {
      if (!isRecord(block)) {
        throw new VaultError(400, `failed to parse policy: path ${JSON.stringify(rawPattern)}`);
      }
      const denied = deniedParametersOf(block);
      rules.push({
        pattern: rawPattern.replace(/^\/+/, ''),
        capabilities: capabilitiesOf(rawPattern, block),
        ...(denied.length === 0 ? {} : { deniedParameters: denied }),
      });
    }
  }
  return rules;
}

function capabilitiesOf(pattern: string, block: Record<string, unknown>): Capability[] {
  const result = new Set<Capability>();
  const listed = block['capabilities'];
  if (listed !== undefined) {
    if (!Array.isArray(listed)) {
      throw new VaultError(
        400,
        `failed to parse policy: path "${pattern}": capabilities must be a list`,
      );
    }
    for (const item of listed) {
      const cap = String(item).toLowerCase();
      if (!isCapability(cap)) {
        throw new VaultError(
          400,
          `failed to parse policy: path "${pattern}": invalid capability "${String(item)}"`,
        );
      }
      result.add(cap);
    }
  }
  const legacy = block['policy'];
  if (typeof legacy === 'string') {
    const caps = LEGACY_POLICY_CAPABILITIES[legacy.toLowerCase()];
    if (!caps) {
      throw new VaultError(
        400,
        `failed to parse policy: path "${pattern}": invalid policy "${legacy}"`,
      );
    }
    for (const cap of caps) result.add(cap);
  }
  return [...result];
}

/**
 * Only the names count: Vault denies a listed parameter whatever its value when the list is
 * empty, which is the only form flowstack's policies use (value lists are not modelled).
 */
function deniedParametersOf(block: Record<string, unknown>): string[] {
  const raw = block['denied_parameters'];
  const maps: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return maps.flatMap((map) => (isRecord(map) ? Object.keys(map).map((k) => k.toLowerCase()) : []));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
