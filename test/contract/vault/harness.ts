import { randomUUID } from 'node:crypto';
import { startVaultDouble, type VaultDouble } from '@flowstack/vault-double';
import NodeVault from 'node-vault';

/**
 * Where the Vault contract suite runs: the in-repo double by default, or the server named by
 * VAULT_ADDR with VAULT_TOKEN (a root or sudo-capable token). Tests mount engines, enable auth
 * methods and write policies only under names from `uniquePath()`, and `close()` removes
 * everything carrying those names, so the suite can share a real server.
 */
export interface VaultTarget {
  /** Base URL without /v1, e.g. http://127.0.0.1:8200. */
  addr: string;
  rootToken: string;
  /** node-vault bound to the root token. Do not call tokenSource commands on it (jwtLogin, tokenCreate...): they replace its token. */
  client: NodeVault.client;
  /** True when running against the in-repo double. */
  isDouble: boolean;
  /** A unique name for a mount, auth path or policy: `ct-<name>-<8 hex>`; cleaned up at close. */
  uniquePath(name: string): string;
  /** A separate node-vault client with another token (or none), e.g. for logins. */
  clientWith(token?: string): NodeVault.client;
  /** A node-vault client whose paths are prefixed, so fixed-mount commands (encryptData on "transit/") reach `<prefix>/transit/`. */
  scopedClient(prefix: string): NodeVault.client;
  /** Raw HTTP under /v1 (token header from `token`, default root; `null` sends none). */
  fetch(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /** Runs at close, last registered first. */
  onCleanup(step: () => Promise<unknown>): void;
  close(): Promise<void>;
}

const externalAddr = process.env.VAULT_ADDR;

export async function openVaultTarget(): Promise<VaultTarget> {
  let double: VaultDouble | undefined;
  let addr: string;
  let rootToken: string;
  if (externalAddr) {
    const token = process.env.VAULT_TOKEN;
    if (!token) {
      throw new Error(
        'VAULT_ADDR is set but VAULT_TOKEN is not: the contract suite needs a root token',
      );
    }
    addr = externalAddr.replace(/\/+$/, '');
    rootToken = token;
  } else {
    double = await startVaultDouble({ port: 0 });
    addr = double.url;
    rootToken = double.rootToken;
  }

  const make = (token: string | undefined, pathPrefix = ''): NodeVault.client =>
    NodeVault({
      endpoint: addr,
      apiVersion: 'v1',
      ...(token ? { token } : {}),
      ...(pathPrefix ? { pathPrefix } : {}),
    });
  const client = make(rootToken);
  const names: string[] = [];
  const steps: (() => Promise<unknown>)[] = [];

  const rawFetch = (
    path: string,
    init: RequestInit & { token?: string | null } = {},
  ): Promise<Response> => {
    const { token = rootToken, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== null && !headers.has('X-Vault-Token')) headers.set('X-Vault-Token', token);
    return fetch(`${addr}/v1/${path.replace(/^\/+/, '')}`, { ...rest, headers });
  };

  /** Unmounts engines and auth methods and deletes policies whose names we handed out. */
  const removeNamed = async (): Promise<void> => {
    if (names.length === 0) return;
    const ours = (path: string) => names.some((n) => path === n || path.startsWith(`${n}/`));
    const mounts = (await client.mounts().catch(() => ({}))) as { data?: Record<string, unknown> };
    for (const path of Object.keys(mounts.data ?? {})) {
      if (ours(path)) {
        await client.unmount({ mount_point: path.replace(/\/$/, '') }).catch(() => undefined);
      }
    }
    const auths = (await client.auths().catch(() => ({}))) as { data?: Record<string, unknown> };
    for (const path of Object.keys(auths.data ?? {})) {
      if (ours(path)) {
        await client.disableAuth({ mount_point: path.replace(/\/$/, '') }).catch(() => undefined);
      }
    }
    const policies = (await client.policies().catch(() => ({}))) as { policies?: string[] };
    for (const name of policies.policies ?? []) {
      if (names.some((n) => name === n || name.startsWith(`${n}-`))) {
        await client.removePolicy({ name }).catch(() => undefined);
      }
    }
  };

  return {
    addr,
    rootToken,
    client,
    isDouble: double !== undefined,
    uniquePath(name) {
      const unique = `ct-${name}-${randomUUID().slice(0, 8)}`;
      names.push(unique);
      return unique;
    },
    clientWith: (token) => make(token),
    scopedClient: (prefix) => make(rootToken, `/${prefix.replace(/^\/+|\/+$/g, '')}`),
    fetch: rawFetch,
    onCleanup: (step) => steps.push(step),
    async close() {
      for (const step of steps.splice(0).reverse()) await step().catch(() => undefined);
      await removeNamed();
      await double?.stop();
    },
  };
}

/** The error node-vault rejects with: `message` is errors[0], `response` the status and body. */
export interface VaultFailure {
  message: string;
  response?: { statusCode: number; body?: { errors?: string[] } };
}

/** Awaits a promise that must reject and returns node-vault's error. */
export async function failureOf(promise: Promise<unknown>): Promise<VaultFailure> {
  const outcome = await promise.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error('expected the request to fail, but it succeeded');
  return outcome.error as VaultFailure;
}
