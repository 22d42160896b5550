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

/** The OpenID Connect provider people sign in with, and Vault's client registration there. */
export interface OidcProvider {
  /** The issuer; Vault fetches <url>/.well-known/openid-configuration and the JWKS it names. */
  discoveryUrl: string;
  clientId: string;
  clientSecret: string;
  /** Where the provider may send people back: the CLI's http://localhost:8250/oidc/callback, the UI's <vault>/ui/vault/auth/oidc/oidc/callback. */
  redirectUris: string[];
  /** The provider group (in the groups claim) whose members get the admin policy. */
  operatorsGroup: string;
}

export const OIDC_MOUNT = 'oidc';
export const OIDC_ROLE = 'operator';
/** The external identity group that carries admin for the OIDC group of the same name. */
export const OIDC_OPERATORS_IDENTITY_GROUP = 'oidc-operators';

/**
 * auth/oidc/config: discovery, not fixed keys, so the provider can rotate its signing keys.
 * The client secret is write-only in Vault and never compared.
 */
export function oidcConfig(provider: OidcProvider): DesiredSettings {
  return {
    values: {
      oidc_discovery_url: provider.discoveryUrl,
      oidc_client_id: provider.clientId,
      oidc_client_secret: provider.clientSecret,
      default_role: OIDC_ROLE,
    },
    writeOnly: ['oidc_client_secret'],
  };
}

/**
 * auth/oidc/role/operator: every person who signs in gets a 1h token (8h at most) with the
 * default policy; admin comes only through the groups claim (an external identity group), so
 * leaving the provider's operators group takes admin away at the next login.
 */
export function oidcOperatorRole(provider: OidcProvider): DesiredSettings {
  return {
    values: {
      role_type: 'oidc',
      allowed_redirect_uris: provider.redirectUris,
      bound_audiences: [provider.clientId],
      user_claim: 'sub',
      groups_claim: 'groups',
      oidc_scopes: ['profile', 'email', 'groups'],
      claim_mappings: { email: 'email', preferred_username: 'username' },
      token_ttl: '1h',
      token_max_ttl: '8h',
    },
    rules: {
      allowed_redirect_uris: set,
      bound_audiences: set,
      oidc_scopes: set,
      claim_mappings: { kind: 'json' },
      token_ttl: duration,
      token_max_ttl: duration,
    },
  };
}

/** identity/group/name/oidc-operators: an external group holding admin. */
export function oidcOperatorsGroup(): DesiredSettings {
  return { values: { type: 'external', policies: ['admin'] }, rules: { policies: set } };
}

/** Mounts Consul Connect's Vault CA provider uses (infra/consul/connect-ca.hcl). */
export const CONNECT_CA = {
  rootMount: 'connect_root',
  intermediateMount: 'connect_dc1_inter',
  policy: 'consul-connect-ca',
  /** auth/token/roles/<this>: mints the token the Consul servers' CA provider runs with. */
  tokenRole: 'consul-connect-ca',
  rootTtl: '87600h',
  intermediateTtl: '8760h',
} as const;

/** The PKI role that issues the Consul and Nomad agents' TLS certificates (pki_int/issue/agents). */
export const AGENT_PKI_ROLE = 'agents';

/**
 * pki_int/roles/agents: the names Consul and Nomad verify between agents
 * (`server.<datacenter>.consul` with verify_server_hostname; `server.global.nomad` and
 * `client.global.nomad` with verify_https_client), plus localhost and IP SANs for the CLI and
 * health checks on the same host. Short-lived (72h, at most 30 days): agent-tls.sh renews at
 * two thirds of the lifetime.
 */
export function agentPkiRole(): DesiredSettings {
  return {
    values: {
      allowed_domains: ['dc1.consul', 'global.nomad'],
      allow_subdomains: true,
      allow_bare_domains: false,
      allow_localhost: true,
      allow_ip_sans: true,
      server_flag: true,
      client_flag: true,
      key_type: 'ec',
      key_bits: 256,
      ttl: '72h',
      max_ttl: '720h',
    },
    rules: { allowed_domains: set, ttl: duration, max_ttl: duration },
  };
}

/** auth/token/roles/consul-connect-ca: like producer, periodic and orphan, one policy only. */
export function connectCaTokenRole(): DesiredSettings {
  return {
    values: {
      allowed_policies: [CONNECT_CA.policy],
      orphan: true,
      renewable: true,
      token_period: '24h',
    },
    rules: { allowed_policies: set, token_period: duration },
  };
}
