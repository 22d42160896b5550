import { VAULT_MOUNTS } from '@flowstack/vault/paths';
import {
  DEFAULT_ROLE,
  DEFAULT_WORKLOAD_NAMESPACES,
  WORKLOAD_ROLES,
} from '@flowstack/infra-vault/workload-roles';
import { collect } from '../findings.js';
import { vaultFor, type Job } from '../job-model.js';
import type { Rule } from '../rule.js';

const TEMPLATE_SECRET = /\bsecret\s+"([^"]+)"/g;
/** The namespace flowstack's roles are bound to (infra/vault DEFAULTS.nomadNamespace). */
const FLOWSTACK_NAMESPACE = 'default';

function namespaceOf(job: Job): string {
  const value = (job as Record<string, unknown>)['namespace'];
  return typeof value === 'string' && value !== '' ? value : 'default';
}

/**
 * A task's `vault` block logs in with a role of jwt-nomad as infra/vault writes it
 * (infra/vault/src/workload-roles.ts, the same objects the bootstrap sends), and the login must
 * succeed and reach what the templates read:
 *
 * - A role's `bound_claims` are checked against the task's identity at login; any mismatch is
 *   refused (hashicorp/vault-plugin-auth-jwt `path_login.go`, `validateBoundClaims`). Nomad's
 *   identity carries `nomad_namespace`, `nomad_job_id` and `nomad_task`
 *   (hashicorp/nomad `nomad/structs/workload_id.go`). So a flowstack role must be bound on
 *   namespace and job (else another namespace's `api` logs in as the api) and match this task.
 * - No `role` means the auth config's `default_role` (Nomad's vault hook logs in without one,
 *   `client/allocrunner/taskrunner/vault_hook.go`). That role's policy is Nomad's templated asset
 *   (`command/asset/vault-wi-default-policy.hcl`): the task may read only
 *   kv/data/<namespace>/<job>[/*], so a template reading flowstack's own secrets would be denied,
 *   and its namespace must be one the role is bound to.
 */
export const vaultRolesRule: Rule = {
  id: 'vault-roles',
  description:
    'each vault block logs in with a role infra/vault writes, bound on namespace and job, matching this task',
  check: (jobFile) =>
    collect('vault-roles', jobFile, (report) => {
      const { job } = jobFile;
      const namespace = namespaceOf(job);
      for (const group of job.group) {
        for (const task of group.task) {
          const vault = vaultFor(job, group, task);
          if (!vault) continue;
          const where = `group ${group.name} / task ${task.name}`;
          const roleName = vault.role ?? DEFAULT_ROLE.name;
          if (roleName === DEFAULT_ROLE.name) {
            if (!DEFAULT_WORKLOAD_NAMESPACES.includes(namespace)) {
              report(
                where,
                `the default role "${roleName}" is bound to namespaces ${DEFAULT_WORKLOAD_NAMESPACES.join(', ')}, not "${namespace}": Vault refuses the login`,
              );
            }
            const own = `${VAULT_MOUNTS.kv}/data/${namespace}/${job.name}`;
            for (const template of task.template) {
              for (const [, path] of (template.data ?? '').matchAll(TEMPLATE_SECRET)) {
                if (path === own || path!.startsWith(`${own}/`)) continue;
                report(
                  where,
                  `template reads ${path} through the default role "${roleName}", whose templated policy grants only ${own}/*: give the task a role of its own`,
                );
              }
            }
            continue;
          }
          const role = WORKLOAD_ROLES.find((candidate) => candidate.name === roleName);
          if (!role) {
            report(
              where,
              `Vault role "${roleName}" is not one infra/vault writes (infra/vault/src/workload-roles.ts)`,
            );
            continue;
          }
          const expected = {
            nomad_namespace: FLOWSTACK_NAMESPACE,
            nomad_job_id: role.nomadJobId,
            nomad_task: role.nomadTask,
          };
          const actual = {
            nomad_namespace: namespace,
            nomad_job_id: job.name,
            nomad_task: task.name,
          };
          for (const claim of ['nomad_namespace', 'nomad_job_id', 'nomad_task'] as const) {
            if (expected[claim] !== actual[claim]) {
              report(
                where,
                `role "${roleName}" is bound to ${claim} "${expected[claim]}" but this task's identity says "${actual[claim]}": Vault refuses the login`,
              );
            }
          }
        }
      }
    }),
};
