import type { Finding } from '../findings.js';
import type { Repository } from '../repository.js';
import type { RepositoryRule } from '../rule.js';

interface ScriptCheck {
  /** Passes when the pattern is found (or, with `absent`, when it is not). */
  pattern: RegExp;
  absent?: boolean;
  message: string;
}

/**
 * What the deploy and dev-cluster scripts must do, checked on their text (no cluster needed):
 *
 * deploy.sh
 * - `nomad job plan` exits 0 when no allocation is created or destroyed, not when nothing changed
 *   (command/job_plan.go, getExitCode: only Stop+Place+Migrate+DestructiveUpdate+Canary count), so
 *   "exit 0 means skip" drops in-place updates such as tags, canary_tags and checks. The script
 *   must decide from the diff and submit with `-check-index` from the plan's "Job Modify Index"
 *   (the plan's own advice: formatJobModifyIndex).
 * - `nomad job run` without -detach monitors the deployment until it is terminal
 *   (command/monitor.go), and a deployment whose canaries wait for manual promotion never becomes
 *   terminal (nomad/deploymentwatcher/deployment_watcher.go: "fail the deployment unless we're
 *   waiting for manual promotion"), so the script must detach and print the promote command.
 * - no default Docker Hub namespace: FLOWSTACK_REGISTRY is required.
 * - `-preserve-counts` on the jobs the Nomad Autoscaler scales: without it a submission sets
 *   every group back to the count in the file (command/job_run.go: "If set, the existing task
 *   group counts will be preserved when updating a job"), undoing the autoscaler on each deploy.
 *
 * up.sh
 * - one client, so RabbitMQ runs as one member with a member list of one (`-var nodes=1 -var
 *   max_nodes=1`) on volume flowstack-rabbitmq[0]: the job's distinct_hosts would leave further
 *   members unplaced, a blocking `nomad job run` waits for them until the deployment fails, and
 *   with a longer list a fresh member retries discovery before it boots alone
 *   (rabbit_peer_discovery.erl, can_use_discovered_nodes).
 * - Consul with ACLs on (the workload identities log in to it, see the workload-identity rule),
 *   the Consul bootstrap run with the Nomad JWKS URL so it creates the auth method, no root token
 *   or admin password on a command line (`ps` shows it), CNI checked where the agent looks for it
 *   and the bridge sysctls checked (Nomad install docs, bridge-iptables).
 *
 * down.sh
 * - waits for the allocations to stop before killing the agents: `nomad job stop` returns when the
 *   evaluation completes, not when the tasks are gone, and a killed client leaves containers and
 *   CNI state behind.
 */
const CHECKS: Record<string, readonly ScriptCheck[]> = {
  'infra/nomad/deploy.sh': [
    {
      pattern: /nomad job run[^\n]*-check-index/,
      message: 'nomad job run without -check-index from the plan',
    },
    { pattern: /Job Modify Index/, message: 'does not read the Job Modify Index from the plan' },
    {
      pattern: /nomad job run[^\n]*-detach/,
      message: 'nomad job run without -detach blocks on canaries awaiting promotion',
    },
    {
      pattern: /-preserve-counts/,
      message:
        'nomad job run without -preserve-counts resets the autoscaled api and worker counts on every deploy',
    },
    {
      pattern: /nomad deployment promote/,
      message: 'does not print the nomad deployment promote command',
    },
    {
      pattern: /"\$plan"\s*-eq\s*0[^\n]*continue/,
      absent: true,
      message: 'treats plan exit code 0 as "no change": in-place updates would be skipped',
    },
    {
      pattern: /FLOWSTACK_REGISTRY:-[^}]/,
      absent: true,
      message: 'defaults FLOWSTACK_REGISTRY: an unqualified name pulls from Docker Hub',
    },
  ],
  'infra/dev-cluster/up.sh': [
    {
      pattern: /consul agent[^\n]*(\\\n[^\n]*)*-config-(file|dir)/,
      message: 'Consul is started without its ACL config file',
    },
    { pattern: /acl bootstrap/, message: 'the Consul ACL system is never bootstrapped' },
    {
      pattern: /infra:consul[^\n]*(\\\n[^\n]*)*--nomad-jwks-url/,
      message:
        'infra:consul runs without --nomad-jwks-url, so no auth method for workload identities exists',
    },
    { pattern: /--token\b/, absent: true, message: 'a token on a command line is visible in ps' },
    {
      pattern: /--(postgres-url|redis|rabbitmq-management-url)\b/,
      absent: true,
      message: 'admin passwords on a command line are visible in ps',
    },
    { pattern: /bridge-nf-call-iptables/, message: 'the bridge netfilter sysctls are not checked' },
    { pattern: /cni_path|cni-path|CNI_PATH/, message: 'the CNI plugin path is not checked' },
    {
      pattern: /nomad job run -var nodes=1 -var max_nodes=1 jobs\/rabbitmq\.nomad\.hcl/,
      message:
        'RabbitMQ runs with its default member count on one client: distinct_hosts leaves the other members unplaced and the blocking nomad job run never returns (and a longer member list makes the one member wait for peers)',
    },
    {
      pattern: /rabbitmq-volumes\.sh/,
      message: 'creates no per-member RabbitMQ volume (flowstack-rabbitmq[0])',
    },
  ],
  'infra/dev-cluster/down.sh': [
    { pattern: /nomad job stop[^\n]*-purge/, message: 'jobs are not stopped' },
    {
      pattern: /alloc|allocation/,
      message: 'does not wait for the allocations to stop before killing Nomad',
    },
  ],
};

export const deployScriptsRule: RepositoryRule = {
  id: 'deploy-scripts',
  description:
    'deploy.sh, up.sh and down.sh do what Nomad, Consul and Vault need (checked statically)',
  check(repository: Repository): Finding[] {
    const findings: Finding[] = [];
    for (const [file, checks] of Object.entries(CHECKS)) {
      const text = repository.scripts.get(file);
      if (text === undefined) {
        findings.push({ rule: this.id, file, where: 'file', message: 'missing' });
        continue;
      }
      for (const check of checks) {
        if (check.pattern.test(text) === (check.absent === true)) {
          findings.push({ rule: this.id, file, where: 'script', message: check.message });
        }
      }
    }
    return findings;
  },
};
