import { startVaultDouble } from '@flowstack/vault-double';

export interface VaultReply {
  status: number;
  body: { data?: Record<string, unknown>; auth?: Record<string, unknown>; errors?: string[] };
}

export interface VaultUnderTest {
  address: string;
  rootToken: string;
  isDouble: boolean;
  /** One HTTP call under /v1 with the given token (null: none). */
  call(token: string | null, method: string, path: string, body?: unknown): Promise<VaultReply>;
  stop(): Promise<void>;
}

/** The Vault double by default; the server in VAULT_ADDR with VAULT_TOKEN when set. */
export async function openVaultUnderTest(): Promise<VaultUnderTest> {
  let address = process.env['VAULT_ADDR'];
  let rootToken = process.env['VAULT_TOKEN'] ?? '';
  let stop = (): Promise<void> => Promise.resolve();
  if (address) {
    if (rootToken === '') throw new Error('VAULT_ADDR is set but VAULT_TOKEN is not');
  } else {
    const double = await startVaultDouble({ port: 0 });
    address = double.url;
    rootToken = double.rootToken;
    stop = () => double.stop();
  }
  const base = address.replace(/\/+$/, '');
  return {
    address: base,
    rootToken,
    isDouble: !process.env['VAULT_ADDR'],
    async call(token, method, path, body) {
      const response = await fetch(`${base}/v1/${path}`, {
        method,
        headers: {
          ...(token === null ? {} : { 'X-Vault-Token': token }),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: (text === '' ? {} : JSON.parse(text)) as VaultReply['body'],
      };
    },
    stop,
  };
}
