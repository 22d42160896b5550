import { collect } from '../findings.js';
import { vaultFor } from '../job-model.js';
import type { Rule } from '../rule.js';
import { profileFor } from '../service-profiles.js';
import { compareAccess, grantedCapabilities } from '../vault-access.js';

const TEMPLATE_SECRET = /\b(secret|pkiCert)\s+"([^"]+)"/g;

/**
 * The Vault role a job logs in with grants exactly what its process uses: for api and worker the
 * registry in packages/vault (every path granted, nothing broader); for any job, every path its
 * templates read.
 */
export const vaultPathsRule: Rule = {
  id: 'vault-paths',
  description: "the role's policies grant every registry path and template secret, nothing broader",
  check: (jobFile, context) =>
    collect('vault-paths', jobFile, (report) => {
      const access = context.vault;
      if (!access) return;
      const { job } = jobFile;
      for (const group of job.group) {
        for (const task of group.task) {
          const role = vaultFor(job, group, task)?.role;
          if (role === undefined) continue;
          const where = `group ${group.name} / task ${task.name}`;
          const profile = profileFor(context.profiles, job.name, task.name);
          const uses = profile ? access.registry.get(profile.service) : undefined;
          if (uses) {
            for (const problem of compareAccess(access, role, uses)) report(where, problem.message);
          }
          const policyNames = access.roles.get(role);
          if (policyNames === undefined) {
            if (!uses) report(where, `Vault role "${role}" is not defined`);
            continue;
          }
          const policies = policyNames.flatMap((name) => {
            const rules = access.policies.get(name);
            return rules ? [rules] : [];
          });
          for (const template of task.template) {
            for (const [, kind, path] of (template.data ?? '').matchAll(TEMPLATE_SECRET)) {
              const needed = kind === 'pkiCert' ? 'update' : 'read';
              if (!grantedCapabilities(policies, path!).has(needed)) {
                report(where, `template reads ${path} but role "${role}" lacks ${needed} on it`);
              }
            }
          }
        }
      }
    }),
};
