import { collect } from '../findings.js';
import type { Rule } from '../rule.js';

const NETWORK_CHECKS = new Set(['http', 'grpc', 'tcp']);

/**
 * Every service of a long-running job has a check (otherwise Consul and Traefik send traffic to
 * instances that are not ready, and deployments cannot judge health). Under a Connect sidecar in
 * bridge mode the app's port is not on the host: checks go through an Envoy expose path
 * (`expose = true`, http/grpc only) or the allocation's address (`address_mode = "alloc"`).
 *
 * A `check_restart` on a group-level service restarts the whole allocation (Envoy included)
 * unless the check names its task: group services get the alloc runner as their restarter
 * (client/allocrunner/alloc_runner_hooks.go, the group services hook), while a check's `task`
 * makes check_restart "apply to the specified task" (Nomad docs check.mdx, task).
 */
export const serviceChecksRule: Rule = {
  id: 'service-checks',
  description: 'every service has a check; Connect checks use expose or alloc addressing',
  check: (jobFile) =>
    collect('service-checks', jobFile, (report) => {
      const { job } = jobFile;
      const longRunning = job.type === 'service' || job.type === 'system';
      for (const group of job.group) {
        for (const service of group.service) {
          const where = `group ${group.name} / service ${service.name ?? '(unnamed)'}`;
          if (longRunning && service.check.length === 0) report(where, 'service has no check');
          const sidecar = service.connect?.sidecar_service !== undefined;
          for (const check of service.check) {
            const label = `check ${check.name ?? check.type}`;
            if (check.check_restart && check.task === undefined && service.task === undefined) {
              report(
                where,
                `${label}: check_restart on a group service without task restarts every task of the allocation`,
              );
            }
            if (check.expose === true) {
              if (!sidecar) report(where, `${label}: expose needs a Connect sidecar service`);
              if (check.type !== 'http' && check.type !== 'grpc') {
                report(where, `${label}: expose works for http and grpc checks only`);
              }
              if (check.name === undefined) {
                report(where, `${label}: an exposed check needs a name`);
              }
              continue;
            }
            if (sidecar && NETWORK_CHECKS.has(check.type) && check.address_mode !== 'alloc') {
              report(
                where,
                `${label}: a ${check.type} check under Connect cannot reach the app; set expose = true or address_mode = "alloc"`,
              );
            }
          }
        }
      }
    }),
};
