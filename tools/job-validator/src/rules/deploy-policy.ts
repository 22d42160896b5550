import { parseDuration } from '../duration.js';
import { collect } from '../findings.js';
import { updateFor } from '../job-model.js';
import type { Rule } from '../rule.js';
import { profileFor } from '../service-profiles.js';

/**
 * How long-running jobs deploy and use memory: every task reserves memory and caps it with
 * memory_max; the flowstack services roll out one at a time behind a canary, judged by their
 * checks, and revert on failure.
 */
export const deployPolicyRule: Rule = {
  id: 'deploy-policy',
  description: 'memory_max on every task; canary, auto_revert and check-based health for services',
  check: (jobFile, context) =>
    collect('deploy-policy', jobFile, (report) => {
      const { job } = jobFile;
      for (const group of job.group) {
        for (const task of group.task) {
          const where = `group ${group.name} / task ${task.name}`;
          const { memory, memory_max: memoryMax } = task.resources ?? {};
          if (memory === undefined || memoryMax === undefined) {
            report(where, 'resources need memory and memory_max');
          } else if (memoryMax < memory) {
            report(where, `memory_max ${memoryMax} is below memory ${memory}`);
          }
        }
        if (job.type !== 'service') continue;
        const update = updateFor(job, group);
        const where = `group ${group.name} / update`;
        if (!update) {
          report(where, 'a service job needs an update block');
          continue;
        }
        if (update.auto_revert !== true) report(where, 'auto_revert = true is required');
        if ((update.health_check ?? 'checks') !== 'checks') {
          report(where, 'health_check must be "checks"');
        }
        if ((parseDuration(update.min_healthy_time ?? '10s') ?? 0) < 10_000) {
          report(where, 'min_healthy_time must be at least 10s');
        }
        const flowstack = group.task.some((task) =>
          profileFor(context.profiles, job.name, task.name),
        );
        if (flowstack) {
          if ((update.canary ?? 0) < 1) report(where, 'flowstack services deploy behind a canary');
          if ((update.max_parallel ?? 1) < 1) report(where, 'max_parallel must be at least 1');
          if (group.restart === undefined || group.reschedule === undefined) {
            report(`group ${group.name}`, 'restart and reschedule must be tuned explicitly');
          }
        }
      }
    }),
};
