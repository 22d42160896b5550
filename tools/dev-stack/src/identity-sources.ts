import { randomBytes } from 'node:crypto';
import type { BootstrapOptions } from '@flowstack/infra-vault';
import { DEMO_PEOPLE, startOidcProvider, type RunningOidcProvider } from '@flowstack/oidc-provider';
import { LDAP_DIRECTORY, startLocalLdap, type LocalLdap } from './local-ldap.js';

/** The people side of the identity map in the local stack: an LDAP directory and an OIDC provider. */
export interface IdentitySources {
  /** What the Vault bootstrap needs to configure auth/ldap and auth/oidc. */
  bootstrap: Pick<BootstrapOptions, 'ldap' | 'oidc'>;
  /** Lines for the start-up banner: where each source is and how a person logs in. */
  banner: string[];
  stop(): Promise<void>;
}

/** Where `vault login -method=oidc` listens (its default; Vault allows any port on loopback). */
const CLI_REDIRECTS = [
  'http://localhost:8250/oidc/callback',
  'http://127.0.0.1:8250/oidc/callback',
];

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Starts what is available and says what is not: a missing slapd (no root to install it) turns
 * LDAP off for this run instead of stopping the stack.
 */
export async function startIdentitySources(options: {
  ldapPort: number;
  oidcPort: number;
  vaultUrl: string;
}): Promise<IdentitySources> {
  const banner: string[] = [];
  let ldap: LocalLdap | undefined;
  try {
    ldap = await startLocalLdap({ port: options.ldapPort });
    const { username, password } = LDAP_DIRECTORY.users.operator;
    banner.push(
      `  LDAP       ${ldap.url}   (slapd; demo operator ${username} / ${password})`,
      `             VAULT_ADDR=${options.vaultUrl} vault login -method=ldap username=${username}`,
    );
  } catch (error) {
    banner.push(
      `  LDAP       off (${reason(error)}; run bash scripts/install-identity-tools.sh ldap as root)`,
    );
  }

  let oidc: RunningOidcProvider | undefined;
  // A fresh client secret per run: it only has to match between the provider and Vault.
  const client = { clientId: 'vault', clientSecret: randomBytes(24).toString('base64url') };
  const redirectUris = [...CLI_REDIRECTS, `${options.vaultUrl}/ui/vault/auth/oidc/oidc/callback`];
  try {
    oidc = await startOidcProvider({
      port: options.oidcPort,
      clients: [{ ...client, redirectUris }],
    });
    const { username, password } = DEMO_PEOPLE.operator;
    banner.push(
      `  OIDC       ${oidc.issuer}   (oidc-provider; demo operator ${username} / ${password})`,
      `             VAULT_ADDR=${options.vaultUrl} vault login -method=oidc role=operator`,
    );
  } catch (error) {
    banner.push(`  OIDC       off (${reason(error)})`);
  }

  return {
    bootstrap: {
      ...(ldap ? { ldap: { ...LDAP_DIRECTORY, url: ldap.url } } : {}),
      ...(oidc
        ? {
            oidc: {
              discoveryUrl: oidc.issuer,
              ...client,
              redirectUris,
              operatorsGroup: DEMO_PEOPLE.operator.groups[0],
            },
          }
        : {}),
    },
    banner,
    stop: async () => {
      await oidc?.stop();
      await ldap?.stop();
    },
  };
}
