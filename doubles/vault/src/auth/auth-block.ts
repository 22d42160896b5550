import type { AuthBlock } from '../core/backend.js';
import type { StoredToken } from './token-store.js';

export function authBlockOf(token: StoredToken, leaseDuration: number): AuthBlock {
  return {
    client_token: token.id,
    accessor: token.accessor,
    policies: token.policies,
    token_policies: token.policies,
    identity_policies: null,
    metadata: Object.keys(token.meta).length > 0 ? token.meta : null,
    lease_duration: leaseDuration,
    renewable: token.renewable,
    entity_id: token.entityId,
    token_type: 'service',
    orphan: token.parent === undefined,
    mfa_requirement: null,
    num_uses: token.numUses,
  };
}

/** Policies as Vault attaches them: sorted, unique, `default` added unless refused. */
export function normalizePolicies(policies: readonly string[], addDefault: boolean): string[] {
  const set = new Set(policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== ''));
  if (set.has('root')) return ['root'];
  if (addDefault) set.add('default');
  return [...set].sort();
}
