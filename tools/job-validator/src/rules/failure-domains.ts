import { collect } from '../findings.js';
import { hasDistinctHosts, placementFor } from '../job-model.js';
import type { Rule } from '../rule.js';
import { profileFor } from '../service-profiles.js';

/** Node attributes that tell clients (or groups of them) apart. */
const HOST_ATTRIBUTE =
  /^\$\{(node\.unique\.(id|name)|attr\.unique\.hostname|node\.datacenter|meta\.[A-Za-z0-9_.-]+)\}$/;

/**
 * No single client is a single point of failure for a service that runs several instances:
 *
 * - A group that may run more than one allocation (count or scaling.max above 1) states how they
 *   are spread over clients: a `spread` over a client attribute (scheduler/feasible/spread.go
 *   scores placements by how evenly they cover the attribute's values) or a `distinct_hosts` /
 *   `distinct_property` constraint. Nomad's default scoring bin-packs (scheduler/feasible/rank.go),
 *   which may put every instance on one client.
 * - The flowstack services behind Traefik and on the queue (api, worker) run at least two
 *   instances, and their scaling min keeps it that way: one instance is an outage per deploy,
 *   drain or client loss.
 */
export const failureDomainsRule: Rule = {
  id: 'failure-domains',
  description:
    'groups of several allocations spread over clients; api and worker run at least two, scaling min included',
  check: (jobFile, context) =>
    collect('failure-domains', jobFile, (report) => {
      const { job } = jobFile;
      for (const group of job.group) {
        const where = `group ${group.name}`;
        const count = group.count ?? 1;
        const most = Math.max(count, group.scaling?.max ?? count);
        if (most > 1) {
          const { constraints, spreads } = placementFor(job, group);
          const spread = spreads.some((attribute) => HOST_ATTRIBUTE.test(attribute));
          const distinctProperty = constraints.some(
            (constraint) =>
              constraint.distinct_property !== undefined ||
              constraint.operator === 'distinct_property',
          );
          if (!spread && !distinctProperty && !hasDistinctHosts(job, group)) {
            report(
              where,
              `up to ${most} allocations with no spread over clients and no distinct_hosts: one client may hold them all`,
            );
          }
        }
        const served = group.task.some(
          (task) => profileFor(context.profiles, job.name, task.name)?.consulName !== undefined,
        );
        if (!served) continue;
        if (count < 2) {
          report(
            where,
            `count ${count}: a single instance is an outage on every deploy, drain or client loss`,
          );
        }
        if (group.scaling !== undefined && (group.scaling.min ?? count) < 2) {
          report(
            where,
            `scaling min ${group.scaling.min}: the autoscaler may leave a single instance`,
          );
        }
      }
    }),
};
