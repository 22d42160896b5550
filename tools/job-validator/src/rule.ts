import type { Finding } from './findings.js';
import type { JobFile } from './job-model.js';
import type { ServiceProfile } from './service-profiles.js';
import type { Intention } from './consul-intentions.js';
import type { NomadAgentConsul, Repository } from './repository.js';
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
  /** The Consul side of the Nomad agent files (workload identities, auth methods, gRPC). */
  nomadConsul: NomadAgentConsul;
  /** Auth method names infra/consul's bootstrap can create; undefined when it creates none. */
  consulAuthMethods: readonly string[] | undefined;
  /** The service meta key Prometheus takes the metrics port from (infra/observability). */
  prometheusMetricsMeta: string | undefined;
  /** Consul services Prometheus scrapes, i.e. the values its `job` label can take. */
  prometheusScrapedServices: readonly string[] | undefined;
}

/** A rule over one job file. */
export interface Rule {
  id: string;
  description: string;
  check(jobFile: JobFile, context: RuleContext): Finding[];
}

/** A rule over files that are not jobs (scripts, agent config), run once per repository. */
export interface RepositoryRule {
  id: string;
  description: string;
  check(repository: Repository): Finding[];
}
