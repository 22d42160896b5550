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
