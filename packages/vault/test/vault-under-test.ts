import {
  createClock,
  startVaultDouble,
  type ControllableClock,
  type VaultDouble,
} from '@flowstack/vault-double';
import type { VaultClock } from '../src/clock.js';

/** The double by default; a real Vault when VAULT_ADDR and VAULT_TOKEN are set. */
export interface VaultUnderTest {
  address: string;
  rootToken: string;
  /** Root-token call under /v1; throws on a status >= 400. */
  call(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<Record<string, unknown>>;
  /**
   * The double's manual clock, for the clients too: TTLs, renewals and rotations move only on
   * `advance`. Undefined against a real Vault, whose time cannot be moved.
   */
  clock: VaultClock | undefined;
  /**
   * Moves time on by `ms`: the double's clock (timers due fire at once), or, against a real
   * Vault, real time passing.
   */
  advance(ms: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startVaultUnderTest(): Promise<VaultUnderTest> {
  let double: VaultDouble | undefined;
  let manual: ControllableClock | undefined;
  const external = process.env.VAULT_ADDR;
  let address: string;
  let rootToken: string;
  if (external !== undefined && process.env.VAULT_TOKEN !== undefined) {
    address = external.replace(/\/+$/, '');
    rootToken = process.env.VAULT_TOKEN;
  } else {
    manual = createClock({ manual: true });
    double = await startVaultDouble({ port: 0, clock: manual });
    address = double.url;
    rootToken = double.rootToken;
  }
  return {
    address,
    rootToken,
    async call(method, path, body, token = rootToken) {
      const response = await fetch(`${address}/v1/${path}`, {
        method,
        headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    },
    clock: manual,
    async advance(ms) {
      if (manual !== undefined) manual.advance(ms);
      else await new Promise((resolve) => setTimeout(resolve, ms));
    },
    stop: async () => {
      await double?.stop();
    },
  };
}
