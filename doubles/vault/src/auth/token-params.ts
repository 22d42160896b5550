import { VaultError } from '../core/types.js';
import { bool, duration, has, int, str, strList, type Body } from '../http/body.js';

/** The `token_*` fields every auth method role shares (Vault's tokenutil). */
export interface TokenParams {
  policies: string[];
  ttl: number;
  maxTtl: number;
  explicitMaxTtl: number;
  period: number;
  noDefaultPolicy: boolean;
  numUses: number;
}

export function parseTokenParams(body: Body, current?: TokenParams): TokenParams {
  const type = str(body, 'token_type', 'default');
  if (!['default', 'service', 'default-service'].includes(type)) {
    throw new VaultError(
      400,
      `token_type "${type}" is not supported by this double (service tokens only)`,
    );
  }
  const params: TokenParams = {
    policies: has(body, 'token_policies')
      ? strList(body, 'token_policies')
      : has(body, 'policies')
        ? strList(body, 'policies')
        : (current?.policies ?? []),
    ttl: duration(body, has(body, 'token_ttl') ? 'token_ttl' : 'ttl', current?.ttl ?? 0),
    maxTtl: duration(
      body,
      has(body, 'token_max_ttl') ? 'token_max_ttl' : 'max_ttl',
      current?.maxTtl ?? 0,
    ),
    explicitMaxTtl: duration(body, 'token_explicit_max_ttl', current?.explicitMaxTtl ?? 0),
    period: duration(
      body,
      has(body, 'token_period') ? 'token_period' : 'period',
      current?.period ?? 0,
    ),
    noDefaultPolicy: bool(body, 'token_no_default_policy', current?.noDefaultPolicy ?? false),
    numUses: int(body, 'token_num_uses', current?.numUses ?? 0),
  };
  if (params.maxTtl > 0 && params.ttl > params.maxTtl) {
    throw new VaultError(400, 'token_ttl cannot be greater than token_max_ttl');
  }
  return params;
}

export function tokenParamsData(params: TokenParams): Record<string, unknown> {
  return {
    token_policies: params.policies,
    policies: params.policies,
    token_ttl: params.ttl,
    token_max_ttl: params.maxTtl,
    token_explicit_max_ttl: params.explicitMaxTtl,
    token_period: params.period,
    token_no_default_policy: params.noDefaultPolicy,
    token_num_uses: params.numUses,
    token_type: 'default',
    token_bound_cidrs: [],
  };
}
