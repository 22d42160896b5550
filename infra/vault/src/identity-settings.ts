import type { DesiredSettings, FieldRule } from './settings-compare.js';

/**
 * The identity map's Vault objects as data: the token role service accounts mint from, and the
 * policies that go with it. Humans (LDAP, OIDC) and the agents' PKI role are added below.
 */

const duration: FieldRule = { kind: 'duration' };
const set: FieldRule = { kind: 'set' };

export const IDENTITY_NAMES = {
  /** auth/token/roles/<this>: service accounts (CI jobs, partner services). */
  producerTokenRole: 'producer',
  producerPolicy: 'producer',
  /** May mint from the producer role and nothing else (a CI system's own token). */
  producerIssuerPolicy: 'producer-issuer',
} as const;

/**
 * auth/token/roles/producer. allowed_policies replaces "a child's policies are a subset of its
 * parent's", and a role's orphan and period need no sudo from the caller (hashicorp/vault
 * vault/token_store.go, handleCreateCommon's role branch), so a token holding only
 * producer-issuer can mint producer tokens and nothing broader. Periodic so that a long-lived
 * partner service renews instead of re-minting; explicit_max_ttl bounds it at 30 days whatever
 * the renewals.
 */
export function producerTokenRole(): DesiredSettings {
  return {
    values: {
      allowed_policies: [IDENTITY_NAMES.producerPolicy],
      disallowed_policies: ['admin', 'root'],
      orphan: true,
      renewable: true,
      token_period: '24h',
      token_explicit_max_ttl: '720h',
    },
    rules: {
      allowed_policies: set,
      disallowed_policies: set,
      token_period: duration,
      token_explicit_max_ttl: duration,
    },
  };
}

/** The directory Vault's LDAP auth method binds against (no service account: users bind as themselves). */
export interface LdapDirectory {
  /** ldap://host:port (comma-separated for fail-over). */
  url: string;
  /** Base DN of the people: the bind DN is `<userattr>=<username>,<userdn>`. */
  userdn: string;
  userattr: string;
  /** Base DN of the groups, searched with Vault's default groupfilter (member / memberUid / uniqueMember). */
  groupdn: string;
  groupattr: string;
  /** The directory group whose members get the admin policy. */
  operatorsGroup: string;
}

export const LDAP_MOUNT = 'ldap';

/**
 * auth/ldap/config. Humans get short tokens (1h, at most 8h: a working day), not the 32-day
 * system default. deny_null_bind stops an empty password from becoming an anonymous bind that
 * the directory accepts (hashicorp/vault builtin/credential/ldap/backend.go, Login).
 */
export function ldapConfig(directory: LdapDirectory): DesiredSettings {
  return {
    values: {
      url: directory.url,
      userdn: directory.userdn,
      userattr: directory.userattr,
      groupdn: directory.groupdn,
      groupattr: directory.groupattr,
      deny_null_bind: true,
      token_ttl: '1h',
      token_max_ttl: '8h',
    },
    rules: { token_ttl: duration, token_max_ttl: duration },
  };
}

/** auth/ldap/groups/<operators>: the group -> policy mapping. */
export function ldapOperatorsGroup(): DesiredSettings {
  return { values: { policies: ['admin'] }, rules: { policies: set } };
}

/** The project's own directory (infra/ldap/flowstack.ldif); a site passes its own DNs. */
export const LDAP_DEFAULTS = {
  userdn: 'ou=people,dc=flowstack,dc=local',
  userattr: 'uid',
  groupdn: 'ou=groups,dc=flowstack,dc=local',
  groupattr: 'cn',
  operatorsGroup: 'operators',
} as const satisfies Omit<LdapDirectory, 'url'>;
