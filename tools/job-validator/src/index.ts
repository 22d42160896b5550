export { JobSpecError } from './errors.js';
export { parseHcl, type HclDocument } from './hcl.js';
export {
  toJobFile,
  type Check,
  type Group,
  type Job,
  type JobFile,
  type Service,
  type Task,
  type Template,
} from './job-model.js';
export { formatFinding, type Finding } from './findings.js';
export {
  loadJobFile,
  loadRepository,
  STATIC_SCRIPTS,
  type NomadAgentConsul,
  type Repository,
} from './repository.js';
export { validateRepository, contextFor, type ValidationReport } from './validate.js';
export type { RepositoryRule, Rule, RuleContext } from './rule.js';
export { REPOSITORY_RULES, RULES } from './rules/index.js';
export { SERVICE_PROFILES, type ServiceProfile } from './service-profiles.js';
export { parseTraefikRule, TraefikRuleError, type RuleNode } from './traefik-rule.js';
export {
  compareAccess,
  grantedCapabilities,
  parsePolicy,
  patternMatches,
  type PolicyRule,
  type VaultAccess,
  type VaultPathUse,
} from './vault-access.js';
export { isAllowed, type Intention } from './consul-intentions.js';
export { nomadOnPath, runNomadChecks } from './nomad-cli.js';
export { parseDuration } from './duration.js';
export { taskEnvironment } from './task-env.js';
