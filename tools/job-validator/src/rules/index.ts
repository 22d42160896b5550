import type { Rule } from '../rule.js';
import { deployPolicyRule } from './deploy-policy.js';
import { envSchemaRule } from './env-schema.js';
import { imagesRule } from './images.js';
import { intentionsRule } from './intentions.js';
import { killTimeoutRule } from './kill-timeout.js';
import { portsRule } from './ports.js';
import { serviceChecksRule } from './service-checks.js';
import { templateEnvRule } from './template-env.js';
import { traefikProviderRule } from './traefik-provider.js';
import { traefikTagsRule } from './traefik-tags.js';
import { vaultBlockRule } from './vault-block.js';
import { vaultPathsRule } from './vault-paths.js';
import { vaultRolesRule } from './vault-roles.js';
import { consulBindingsRule } from './consul-bindings.js';

export const RULES: readonly Rule[] = [
  vaultBlockRule,
  vaultPathsRule,
  serviceChecksRule,
  templateEnvRule,
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
];
