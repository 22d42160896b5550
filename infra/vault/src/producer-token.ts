import { z } from 'zod';
import { BootstrapError } from './bootstrap-error.js';
import { IDENTITY_NAMES } from './identity-settings.js';
import { createVaultHttp, vaultErrorText } from './vault-http.js';

export interface MintOptions {
  address: string;
  /** A token allowed to update auth/token/create/producer (policy producer-issuer, or root). */
  token: string;
  /** Shown in audit logs as token-<name>: the CI job or partner service it is for. */
  displayName: string;
  meta: Record<string, string>;
}

export interface MintedToken {
  token: string;
  accessor: string;
  policies: string[];
  leaseDurationSeconds: number;
}

const createReply = z.object({
  auth: z.object({
    client_token: z.string().min(1),
    accessor: z.string(),
    policies: z.array(z.string()),
    lease_duration: z.number(),
  }),
});

/** Creates a service-account token from the producer token role. */
export async function mintProducerToken(options: MintOptions): Promise<MintedToken> {
  const vault = createVaultHttp({ address: options.address, token: options.token });
  const path = `auth/token/create/${IDENTITY_NAMES.producerTokenRole}`;
  const reply = await vault.request('POST', path, {
    display_name: options.displayName,
    meta: options.meta,
  });
  if (reply.status !== 200) {
    throw new BootstrapError(
      `POST ${path}: Vault answered ${reply.status} (${vaultErrorText(reply.body)})`,
      reply.status,
    );
  }
  const { auth } = createReply.parse(reply.body);
  return {
    token: auth.client_token,
    accessor: auth.accessor,
    policies: auth.policies,
    leaseDurationSeconds: auth.lease_duration,
  };
}
