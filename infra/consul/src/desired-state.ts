import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const configEntrySchema = z.looseObject({
  Kind: z.enum(['service-defaults', 'service-intentions']),
  Name: z.string().min(1),
});

export type ConfigEntry = z.output<typeof configEntrySchema>;

export interface AclPolicy {
  name: string;
  description: string;
  rules: string;
}

export interface DesiredState {
  configEntries: ConfigEntry[];
  policies: AclPolicy[];
}

/** infra/consul itself (config-entries/ and policies/ sit beside dist/ and src/). */
export const defaultDirectory = fileURLToPath(new URL('..', import.meta.url));

/** Reads config-entries/*.json and policies/*.hcl; what the bootstrap makes Consul hold. */
export async function readDesiredState(directory = defaultDirectory): Promise<DesiredState> {
  const entriesDir = join(directory, 'config-entries');
  const policiesDir = join(directory, 'policies');
  const configEntries: ConfigEntry[] = [];
  for (const file of (await readdir(entriesDir)).filter((f) => f.endsWith('.json')).sort()) {
    const raw: unknown = JSON.parse(await readFile(join(entriesDir, file), 'utf8'));
    const parsed = configEntrySchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${file}: ${parsed.error.message}`);
    configEntries.push(parsed.data);
  }
  // service-defaults first: L7 intentions need the protocol of their destination.
  configEntries.sort((a, b) => (a.Kind === b.Kind ? 0 : a.Kind === 'service-defaults' ? -1 : 1));
  const policies: AclPolicy[] = [];
  for (const file of (await readdir(policiesDir)).filter((f) => f.endsWith('.hcl')).sort()) {
    const name = basename(file, '.hcl');
    policies.push({
      name,
      description: `flowstack: ${name} (infra/consul/policies/${file})`,
      rules: await readFile(join(policiesDir, file), 'utf8'),
    });
  }
  return { configEntries, policies };
}
