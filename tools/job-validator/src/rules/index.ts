import type { RepositoryRule, Rule } from '../rule.js';
import { agentConsulRule } from './agent-consul.js';
import { deployPolicyRule } from './deploy-policy.js';
import { deployScriptsRule } from './deploy-scripts.js';
import { envSchemaRule } from './env-schema.js';
import { imagesRule } from './images.js';
import { intentionsRule } from './intentions.js';
import { killTimeoutRule } from './kill-timeout.js';
import { metricsReachableRule } from './metrics-reachable.js';
import { portsRule } from './ports.js';
import { restartModeRule } from './restart-mode.js';
import { serviceChecksRule } from './service-checks.js';
import { statefulRestartRule } from './stateful-restart.js';
import { templateEnvRule } from './template-env.js';
import { templateOwnerRule } from './template-owner.js';
import { traefikProviderRule } from './traefik-provider.js';
import { traefikTagsRule } from './traefik-tags.js';
import { vaultBlockRule } from './vault-block.js';
import { vaultPathsRule } from './vault-paths.js';
import { workloadIdentityRule } from './workload-identity.js';
import { vaultRolesRule } from './vault-roles.js';
import { consulBindingsRule } from './consul-bindings.js';
import { clusteredStateRule } from './clustered-state.js';
import { rabbitmqClusterRule } from './rabbitmq-cluster.js';
import { scalingRule } from './scaling.js';
import { failureDomainsRule } from './failure-domains.js';

/** Rules over files that are not jobs, run once per repository. */
export const REPOSITORY_RULES: readonly RepositoryRule[] = [deployScriptsRule, agentConsulRule];

export const RULES: readonly Rule[] = [
  vaultBlockRule,
  vaultPathsRule,
  serviceChecksRule,
  templateEnvRule,
  templateOwnerRule,
  statefulRestartRule,
  restartModeRule,
  workloadIdentityRule,
  metricsReachableRule,
  killTimeoutRule,
  envSchemaRule,
  portsRule,
  imagesRule,
  traefikTagsRule,
  traefikProviderRule,
  intentionsRule,
  deployPolicyRule,
  vaultRolesRule,
  consulBindingsRule,
  clusteredStateRule,
  rabbitmqClusterRule,
  scalingRule,
  failureDomainsRule,
];
