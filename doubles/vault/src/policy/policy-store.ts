import { VaultError } from '../core/types.js';
import { DEFAULT_POLICY } from './default-policy.js';
import { parsePolicy, type PathRule } from './policy-parser.js';

export interface StoredPolicy {
  name: string;
  text: string;
  rules: PathRule[];
}

export interface PolicyStore {
  /** Resolves once the policies present at startup are parsed; rejects if one is invalid. */
  ready(): Promise<void>;
  get(name: string): StoredPolicy | undefined;
  /** Policy names, sorted; `root` included as Vault lists it. */
  names(): string[];
  put(name: string, text: string): Promise<void>;
  delete(name: string): void;
  /** Rules of the named policies; unknown names contribute nothing (an empty policy). */
  rulesOf(names: readonly string[]): Promise<PathRule[]>;
  snapshot(): Record<string, string>;
}

/**
 * Policies by name. Those present at startup (the built-in `default`, saved ones) are parsed in
 * the background so the server can listen before the HCL parser has loaded.
 */
export function createPolicyStore(saved?: Record<string, string>): PolicyStore {
  const policies = new Map<string, StoredPolicy>();
  const initial = { default: DEFAULT_POLICY, ...saved };
  delete (initial as Record<string, string>)['root'];
  const loading: Promise<void> = Promise.all(
    Object.entries(initial).map(async ([name, text]) => {
      const key = normalize(name);
      const rules = await parsePolicy(text);
      if (!policies.has(key)) policies.set(key, { name: key, text, rules });
    }),
  ).then(() => undefined);
  // Observed here so a bad saved policy does not become an unhandled rejection; ready() rethrows.
  loading.catch(() => undefined);

  return {
    ready: () => loading,
    get: (name) => policies.get(normalize(name)),
    names: () =>
      [...new Set([...policies.keys(), ...Object.keys(initial).map(normalize), 'root'])].sort(),
    async put(rawName, text) {
      const name = normalize(rawName);
      if (name === 'root') throw new VaultError(400, 'cannot update "root" policy');
      if (name === '') throw new VaultError(400, 'policy name must not be empty');
      const rules = await parsePolicy(text);
      await loading.catch(() => undefined);
      policies.set(name, { name, text, rules });
    },
    delete(rawName) {
      const name = normalize(rawName);
      if (name === 'root') throw new VaultError(400, 'cannot delete "root" policy');
      if (name === 'default') throw new VaultError(400, 'cannot delete "default" policy');
      policies.delete(name);
      delete (initial as Record<string, string>)[name];
    },
    async rulesOf(names) {
      await loading;
      return names.flatMap((name) => policies.get(normalize(name))?.rules ?? []);
    },
    snapshot() {
      // Policies still being parsed at startup are saved from their text.
      const out: Record<string, string> = {};
      for (const [name, text] of Object.entries(initial)) out[normalize(name)] = text;
      for (const p of policies.values()) out[p.name] = p.text;
      return out;
    },
  };
}

function normalize(name: string): string {
  return name.trim().toLowerCase();
}
