import { VaultError } from '../core/types.js';
import { DEFAULT_POLICY } from './default-policy.js';
import { parsePolicy, type PathRule } from './policy-parser.js';

export interface StoredPolicy {
  name: string;
  text: string;
  rules: PathRule[];
}

export interface PolicyStore {
  get(name: string): StoredPolicy | undefined;
  /** Policy names, sorted; `root` included as Vault lists it. */
  names(): string[];
  put(name: string, text: string): Promise<void>;
  delete(name: string): void;
  /** Rules of the named policies; unknown names contribute nothing (an empty policy). */
  rulesOf(names: readonly string[]): PathRule[];
  snapshot(): Record<string, string>;
}

export async function createPolicyStore(saved?: Record<string, string>): Promise<PolicyStore> {
  const policies = new Map<string, StoredPolicy>();
  const store: PolicyStore = {
    get: (name) => policies.get(normalize(name)),
    names: () => [...new Set([...policies.keys(), 'root'])].sort(),
    async put(rawName, text) {
      const name = normalize(rawName);
      if (name === 'root') throw new VaultError(400, 'cannot update "root" policy');
      if (name === '') throw new VaultError(400, 'policy name must not be empty');
      const rules = await parsePolicy(text);
      policies.set(name, { name, text, rules });
    },
    delete(rawName) {
      const name = normalize(rawName);
      if (name === 'root') throw new VaultError(400, 'cannot delete "root" policy');
      if (name === 'default') throw new VaultError(400, 'cannot delete "default" policy');
      policies.delete(name);
    },
    rulesOf(names) {
      return names.flatMap((name) => policies.get(normalize(name))?.rules ?? []);
    },
    snapshot() {
      return Object.fromEntries([...policies.values()].map((p) => [p.name, p.text]));
    },
  };
  await store.put('default', saved?.['default'] ?? DEFAULT_POLICY);
  for (const [name, text] of Object.entries(saved ?? {})) {
    if (name !== 'default' && name !== 'root') await store.put(name, text);
  }
  return store;
}

function normalize(name: string): string {
  return name.trim().toLowerCase();
}
