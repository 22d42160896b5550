import { bootstrapVault, DEFAULTS, type BootstrapOptions } from '@flowstack/infra-vault';
import { startVaultDouble, type VaultDouble } from '@flowstack/vault-double';

export interface VaultReply {
  status: number;
  body: {
    data?: Record<string, unknown>;
    auth?: { client_token: string; policies: string[]; [key: string]: unknown };
    errors?: string[];
    warnings?: string[] | null;
  };
}

export interface IdentityVault {
  url: string;
  rootToken: string;
  call(method: string, path: string, body?: unknown, token?: string): Promise<VaultReply>;
  stop(): Promise<void>;
}

/**
 * A Vault configured by the project's bootstrap: the double by default, or the server named by
 * VAULT_ADDR/VAULT_TOKEN (a dev server: the bootstrap writes the fixed mount names).
 */
export async function startIdentityVault(
  extra: Partial<BootstrapOptions> = {},
): Promise<IdentityVault> {
  let double: VaultDouble | undefined;
  const external = process.env['VAULT_ADDR'];
  if (!external) double = await startVaultDouble({ port: 0 });
  const url = (external ?? double?.url ?? '').replace(/\/+$/, '');
  const rootToken = external ? (process.env['VAULT_TOKEN'] ?? '') : (double?.rootToken ?? '');
  try {
    await bootstrapVault({
      ...DEFAULTS,
      auditFilePath: 'discard',
      address: url,
      token: rootToken,
      ...extra,
    });
  } catch (error) {
    await double?.stop();
    throw error;
  }
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token: string = rootToken,
  ): Promise<VaultReply> => {
    const res = await fetch(`${url}/v1/${path}`, {
      method,
      headers: { 'X-Vault-Token': token },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text === '' ? {} : (JSON.parse(text) as VaultReply['body']),
    };
  };
  return { url, rootToken, call, stop: async () => void (await double?.stop()) };
}
