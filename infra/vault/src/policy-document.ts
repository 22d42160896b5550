import { z } from 'zod';

/** path -> capabilities, as Vault reads an HCL policy (blocks with the same path are merged). */
export type PolicyGrants = ReadonlyMap<string, ReadonlySet<string>>;

const document = z.object({
  path: z
    .record(z.string(), z.array(z.object({ capabilities: z.array(z.string()) }).loose()))
    .optional(),
});

/** Parses policy HCL with HashiCorp's HCL parser (compiled to wasm). */
export async function parsePolicyGrants(hcl: string): Promise<PolicyGrants> {
  const { parse } = await import('@cdktf/hcl2json');
  const parsed = document.parse(await parse('policy.hcl', hcl));
  const grants = new Map<string, Set<string>>();
  for (const [path, blocks] of Object.entries(parsed.path ?? {})) {
    const capabilities = grants.get(path) ?? new Set<string>();
    for (const block of blocks) for (const c of block.capabilities) capabilities.add(c);
    grants.set(path, capabilities);
  }
  return grants;
}
