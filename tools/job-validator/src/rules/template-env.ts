import { collect } from '../findings.js';
import type { Rule } from '../rule.js';
import { isStatefulGroup } from '../service-profiles.js';

/**
 * A template rendered into the environment reaches the process only when the task starts.
 * With change_mode "signal" Nomad rejects the job: Template.Validate in nomad/structs/structs.go
 * appends "cannot use signals with env var templates". With "noop" a re-render is silently
 * ignored, which is only right for a stateful task that reads the values once at first
 * initialisation (the stateful-restart rule requires noop there); anywhere else the process would
 * keep stale values, so "restart" is required.
 */
export const templateEnvRule: Rule = {
  id: 'template-env',
  description: 'env templates: never signal (Nomad rejects it); noop only on stateful tasks',
  check: (jobFile) =>
    collect('template-env', jobFile, (report) => {
      for (const group of jobFile.job.group) {
        const stateful = isStatefulGroup(group);
        for (const task of group.task) {
          for (const template of task.template) {
            if (template.env !== true) continue;
            const where = `group ${group.name} / task ${task.name} / template ${template.destination}`;
            const mode = template.change_mode ?? 'restart';
            if (mode === 'signal') {
              report(where, 'env = true with change_mode = "signal": Nomad rejects the job');
            } else if (mode === 'noop' && !stateful) {
              report(
                where,
                'env = true with change_mode = "noop": the process keeps the old values until it restarts',
              );
            }
          }
        }
      }
    }),
};
