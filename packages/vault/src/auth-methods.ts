import { readFile } from 'node:fs/promises';
import { authResponseSchema, type AuthBlock } from './schemas.js';
import type { VaultHttp } from './vault-http.js';

/** How a process proves who it is to Vault. */
export type VaultAuthConfig =
  | {
      method: 'token';
      /** A fixed token (VAULT_TOKEN). */
      token?: string | undefined;
      /**
       * A file holding the token, e.g. Nomad's secrets/vault_token. Whoever writes it renews it:
       * this client re-reads it when it changes and never renews it itself.
       */
      tokenFile?: string | undefined;
    }
  | {
      method: 'jwt';
      /** A file holding a signed JWT, e.g. Nomad's secrets/nomad_token; re-read at each login. */
      jwtFile: string;
      role: string;
      /** Auth mount (default jwt-nomad). */
      mount?: string | undefined;
    }
  | {
      method: 'approle';
      roleId: string;
      secretId?: string | undefined;
      secretIdFile?: string | undefined;
      mount?: string | undefined;
    };

export interface LoginResult {
  token: string;
  auth: AuthBlock;
}

export async function readSecretFile(path: string): Promise<string> {
  const content = (await readFile(path, 'utf8')).trim();
  if (content === '') throw new Error(`${path} is empty`);
  return content;
}

/** Logs in with JWT or AppRole. Token auth has no login: the token is read, not earned. */
export async function loginWith(
  http: VaultHttp,
  auth: Exclude<VaultAuthConfig, { method: 'token' }>,
): Promise<LoginResult> {
  if (auth.method === 'jwt') {
    const jwt = await readSecretFile(auth.jwtFile);
    const mount = auth.mount ?? 'jwt-nomad';
    const answer = await http.login(
      `auth/${mount}/login`,
      { role: auth.role, jwt },
      authResponseSchema,
    );
    return { token: answer.auth.client_token, auth: answer.auth };
  }
  const secretId =
    auth.secretIdFile === undefined ? auth.secretId : await readSecretFile(auth.secretIdFile);
  const mount = auth.mount ?? 'approle';
  const answer = await http.login(
    `auth/${mount}/login`,
    { role_id: auth.roleId, ...(secretId === undefined ? {} : { secret_id: secretId }) },
    authResponseSchema,
  );
  return { token: answer.auth.client_token, auth: answer.auth };
}
