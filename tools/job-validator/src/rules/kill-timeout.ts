import { parseDuration } from '../duration.js';
import { collect } from '../findings.js';
import type { Rule } from '../rule.js';
import { profileFor } from '../service-profiles.js';
import { configValue, taskEnvironment } from '../task-env.js';

const NOMAD_DEFAULT_KILL_TIMEOUT_MS = 5_000;

/**
 * Nomad sends kill_signal, waits kill_timeout, then kills. The app's shutdown takes up to
 * DRAIN_DELAY_MS plus SHUTDOWN_TIMEOUT_MS for each lifecycle step, with the values the job's env
 * sets (or the schema defaults); kill_timeout must cover that, and the Nomad client caps it at
 * max_kill_timeout.
 */
export const killTimeoutRule: Rule = {
  id: 'kill-timeout',
  description: 'kill_signal SIGTERM and a kill_timeout longer than the app drain and shutdown',
  check: (jobFile, context) =>
    collect('kill-timeout', jobFile, (report) => {
      for (const group of jobFile.job.group) {
        for (const task of group.task) {
          const where = `group ${group.name} / task ${task.name}`;
          const killTimeoutMs =
            task.kill_timeout === undefined
              ? NOMAD_DEFAULT_KILL_TIMEOUT_MS
              : parseDuration(task.kill_timeout);
          if (killTimeoutMs === undefined) {
            report(where, `kill_timeout "${task.kill_timeout}" is not a duration`);
            continue;
          }
          if (killTimeoutMs > context.maxKillTimeoutMs) {
            report(
              where,
              `kill_timeout ${killTimeoutMs} ms exceeds the client's max_kill_timeout (${context.maxKillTimeoutMs} ms) and would be cut`,
            );
          }
          const profile = profileFor(context.profiles, jobFile.job.name, task.name);
          if (!profile) continue;
          if (task.kill_signal !== 'SIGTERM') {
            report(where, 'kill_signal must be "SIGTERM" (the signal the services drain on)');
          }
          const env = taskEnvironment(task);
          const drain = Number(configValue(profile, env, 'DRAIN_DELAY_MS') ?? 0);
          const perStep = Number(configValue(profile, env, 'SHUTDOWN_TIMEOUT_MS') ?? 0);
          const needed = drain + perStep * profile.shutdownSteps;
          if (!(killTimeoutMs > needed)) {
            report(
              where,
              `kill_timeout ${killTimeoutMs} ms does not cover the shutdown: DRAIN_DELAY_MS ${drain} + ${profile.shutdownSteps} steps x SHUTDOWN_TIMEOUT_MS ${perStep} = ${needed} ms`,
            );
          }
        }
      }
    }),
};
