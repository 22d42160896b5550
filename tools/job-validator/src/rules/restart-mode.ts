import { collect } from '../findings.js';
import type { Rule } from '../rule.js';

/**
 * `reschedule` only acts on failed allocations, and a crash loop fails the allocation only in
 * restart mode "fail". The client's restart tracker (client/allocrunner/taskrunner/restarts/
 * restarts.go, handleWaitResult) returns TaskNotRestarting once attempts are used up only
 * `if r.policy.Mode == structs.RestartPolicyModeFail`; in "delay" it waits for the next interval
 * and restarts again on the same node, forever. A service job reschedules by default, so its
 * groups need mode "fail" (Nomad's own default for service jobs, DefaultServiceJobRestartPolicy in
 * nomad/structs/structs.go) unless rescheduling is switched off.
 */
export const restartModeRule: Rule = {
  id: 'restart-mode',
  description:
    'restart.mode = "fail" wherever reschedule is meant to move a crash-looping allocation',
  check: (jobFile) =>
    collect('restart-mode', jobFile, (report) => {
      const { job } = jobFile;
      if (job.type !== 'service') return;
      for (const group of job.group) {
        const reschedule = group.reschedule;
        const reschedules =
          reschedule === undefined ||
          reschedule.unlimited === true ||
          (reschedule.attempts ?? 0) > 0;
        if (!reschedules) continue;
        const mode = group.restart?.mode ?? 'fail';
        if (mode !== 'fail') {
          report(
            `group ${group.name} / restart`,
            `mode "${mode}" never fails the allocation, so reschedule never moves a crash loop off its node; use "fail"`,
          );
        }
      }
    }),
};
