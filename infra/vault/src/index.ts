export {
  bootstrapVault,
  type BootstrapReport,
  type StepOutcome,
  type StepResult,
} from './bootstrap.js';
export { BootstrapError } from './bootstrap-error.js';
export {
  DEFAULTS,
  parsePostgresUrl,
  parseRabbitmqUrl,
  parseRedisUrl,
  type BootstrapOptions,
  type JwtKeys,
  type PostgresTarget,
  type RabbitmqTarget,
  type RedisTarget,
} from './bootstrap-options.js';
export { parseCliArgs } from './cli-args.js';
export { POSTGRES_GROUPS, rabbitmqPermissions, redisAclRules } from './engine-settings.js';
export {
  loadPolicies,
  POLICIES_DIR,
  POLICY_NAMES,
  renderServicePolicy,
  SEED_POLICIES,
} from './service-policies.js';
export {
  ACCESSOR_PLACEHOLDER,
  DATA_SERVICE_ROLES,
  DEFAULT_ROLE,
  DEFAULT_WORKLOAD_NAMESPACES,
  renderDefaultPolicy,
  renderKvReaderPolicy,
  RESERVED_NAMESPACES,
  SERVICE_ROLES,
  WORKLOAD_ROLES,
  type WorkloadRole,
} from './workload-roles.js';
export { nomadWorkloadsRole, workloadJwtRole } from './engine-settings.js';
export {
  IDENTITY_NAMES,
  LDAP_DEFAULTS,
  OIDC_MOUNT,
  OIDC_OPERATORS_IDENTITY_GROUP,
  OIDC_ROLE,
} from './identity-settings.js';
export { mintProducerToken, type MintedToken, type MintOptions } from './producer-token.js';
export type { LdapDirectory, OidcProvider } from './identity-settings.js';
