import { collect } from '../findings.js';
import type { Rule } from '../rule.js';
import { profileFor } from '../service-profiles.js';

/**
 * Nomad 1.10 removed the token workflow: `vault { policies = [...] }` no longer works, a job names
 * the workload-identity role it logs in with. The flowstack services must use their own role.
 */
export const vaultBlockRule: Rule = {
  id: 'vault-role',
  description: 'vault blocks name a role (workload identity) and never list policies',
  check: (jobFile, context) =>
    collect('vault-role', jobFile, (report) => {
      const { job } = jobFile;
      const scopes = [
        { where: 'job', vault: job.vault },
        ...job.group.flatMap((group) => [
          { where: `group ${group.name}`, vault: group.vault },
          ...group.task.map((task) => ({
            where: `group ${group.name} / task ${task.name}`,
            vault: task.vault,
          })),
        ]),
      ];
      for (const { where, vault } of scopes) {
        if (vault === undefined) continue;
        if (vault.policies !== undefined) {
          report(where, 'vault.policies was removed in Nomad 1.10; use vault { role = "..." }');
        }
        if (vault.role === undefined || vault.role === '') {
          report(where, 'vault block without role: name the workload-identity role explicitly');
        }
      }
      for (const group of job.group) {
        for (const task of group.task) {
          const profile = profileFor(context.profiles, job.name, task.name);
          if (!profile) continue;
          const role = task.vault?.role ?? group.vault?.role ?? job.vault?.role;
          if (role !== profile.vaultRole) {
            report(
              `group ${group.name} / task ${task.name}`,
              `must log in to Vault with role "${profile.vaultRole}" (found ${role === undefined ? 'none' : `"${role}"`})`,
            );
          }
        }
      }
    }),
};
