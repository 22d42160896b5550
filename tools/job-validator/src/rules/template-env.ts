import { collect } from '../findings.js';
import type { Rule } from '../rule.js';

/**
 * A template rendered into the environment only reaches the process through a restart: with
 * `signal` Nomad rejects the job, with `noop` the process silently keeps the old values.
 */
export const templateEnvRule: Rule = {
  id: 'template-env',
  description: 'template { env = true } only with change_mode = "restart"',
  check: (jobFile) =>
    collect('template-env', jobFile, (report) => {
      for (const group of jobFile.job.group) {
        for (const task of group.task) {
          for (const template of task.template) {
            if (template.env !== true) continue;
            const mode = template.change_mode ?? 'restart';
            if (mode !== 'restart') {
              report(
                `group ${group.name} / task ${task.name} / template ${template.destination}`,
                `env = true with change_mode = "${mode}": the environment only changes on restart`,
              );
            }
          }
        }
      }
    }),
};
