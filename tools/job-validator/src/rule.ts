import type { Finding } from './findings.js';
import type { JobFile } from './job-model.js';
import type { ServiceProfile } from './service-profiles.js';
import type { Intention } from './consul-intentions.js';
import type { VaultAccess } from './vault-access.js';

/** What the rules know beyond the job file itself. */
export interface RuleContext {
  profiles: readonly ServiceProfile[];
  /** Vault path registry, policies and roles; undefined until infra/vault provides them. */
  vault: VaultAccess | undefined;
  /** Consul service-intentions; undefined until infra/consul provides them. */
  intentions: readonly Intention[] | undefined;
  /** The Nomad client's max_kill_timeout (default 30s): a longer kill_timeout is cut to it. */
  maxKillTimeoutMs: number;
}

export interface Rule {
  id: string;
  description: string;
  check(jobFile: JobFile, context: RuleContext): Finding[];
}
