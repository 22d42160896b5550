import type { BootstrapOptions } from '@flowstack/infra-vault';
import { LDAP_DIRECTORY, startLocalLdap, type LocalLdap } from './local-ldap.js';

/** The people side of the identity map in the local stack: an LDAP directory (and OIDC, below). */
export interface IdentitySources {
  /** What the Vault bootstrap needs to configure auth/ldap (and auth/oidc). */
  bootstrap: Pick<BootstrapOptions, 'ldap'>;
  /** Lines for the start-up banner: where each source is and how a person logs in. */
  banner(vaultUrl: string): string[];
  stop(): Promise<void>;
}

/**
 * Starts what is available and says what is not: a missing slapd (no root to install it) turns
 * LDAP off for this run instead of stopping the stack.
 */
export async function startIdentitySources(options: {
  ldapPort: number;
}): Promise<IdentitySources> {
  let ldap: LocalLdap | undefined;
  let ldapProblem = '';
  try {
    ldap = await startLocalLdap({ port: options.ldapPort });
  } catch (error) {
    ldapProblem = error instanceof Error ? error.message : String(error);
  }
  const operator = LDAP_DIRECTORY.users.operator;
  return {
    bootstrap: ldap ? { ldap: { ...LDAP_DIRECTORY, url: ldap.url } } : {},
    banner: (vaultUrl) =>
      ldap
        ? [
            `  LDAP       ${ldap.url}   (slapd; demo operator ${operator.username} / ${operator.password})`,
            `             VAULT_ADDR=${vaultUrl} vault login -method=ldap username=${operator.username}`,
          ]
        : [
            `  LDAP       off (${ldapProblem}; bash scripts/install-identity-tools.sh ldap, as root)`,
          ],
    stop: async () => {
      await ldap?.stop();
    },
  };
}
