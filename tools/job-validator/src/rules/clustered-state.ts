import { collect } from '../findings.js';
import { hasDistinctHosts, migrateFor, updateFor } from '../job-model.js';
import type { Rule } from '../rule.js';

/**
 * A stateful group with more than one allocation is a cluster of members, each with its own data
 * (the RabbitMQ job). Nomad gives each member its own data only through `per_alloc` volumes:
 * the scheduler appends the allocation's index to the volume's source
 * (scheduler/feasible/feasible.go, HostVolumeChecker.SetVolumes: `copied.Source = copied.Source +
 * structs.AllocSuffix(allocName)`); without it every allocation asks for the same volume, so
 * member N's data does not follow member N.
 *
 * - per_alloc volumes are not sticky: the per-member name already pins the client, and with
 *   sticky the claims of the existing members make every client infeasible for a new index
 *   (hasVolumes: claims left and none matching -> `return false`), so the cluster cannot grow.
 * - no canaries: Nomad refuses them with per_alloc volumes (nomad/structs/volumes.go,
 *   VolumeRequest.Validate: "volume cannot be per_alloc when canaries are in use").
 * - distinct_hosts: two members on one client fall together (enforced by the
 *   DistinctHostsIterator of scheduler/feasible/feasible.go).
 * - one member at a time, judged by its checks, for updates and for drains (update and migrate
 *   max_parallel 1, health_check "checks"): replacing two members at once can cost a majority.
 */
export const clusteredStateRule: Rule = {
  id: 'clustered-state',
  description:
    'a stateful group of several members: per_alloc volumes (not sticky), no canary, distinct hosts, one member at a time',
  check: (jobFile) =>
    collect('clustered-state', jobFile, (report) => {
      const { job } = jobFile;
      for (const group of job.group) {
        if (group.volume.length === 0 || (group.count ?? 1) <= 1) continue;
        const where = `group ${group.name}`;
        for (const volume of group.volume) {
          if (volume.per_alloc !== true) {
            report(
              `${where} / volume ${volume.name}`,
              `${group.count} allocations mount the same volume "${volume.source}": set per_alloc = true so member N mounts "${volume.source}[N]"`,
            );
          } else if (volume.sticky === true) {
            report(
              `${where} / volume ${volume.name}`,
              'a sticky per_alloc volume: the claims of the existing members block every new index (scheduler/feasible/feasible.go, hasVolumes); per_alloc already pins each member',
            );
          }
        }
        const update = updateFor(job, group);
        if ((update?.canary ?? 0) > 0) {
          report(where, 'Nomad refuses canaries with per_alloc volumes; set update.canary = 0');
        }
        if (update === undefined || (update.max_parallel ?? 1) !== 1) {
          report(
            where,
            'update must replace one member at a time (max_parallel = 1): two at once can cost a majority',
          );
        }
        if (update !== undefined && (update.health_check ?? 'checks') !== 'checks') {
          report(
            where,
            `update.health_check "${update.health_check}": the next member must wait for the checks that mean the replaced one rejoined`,
          );
        }
        const migrate = migrateFor(job, group);
        if ((migrate?.max_parallel ?? 1) !== 1) {
          report(
            where,
            'migrate.max_parallel must be 1: a drain must not take two members at once',
          );
        }
        if (!hasDistinctHosts(job, group)) {
          report(
            where,
            'members without a distinct_hosts constraint may share a client and fall together',
          );
        }
      }
    }),
};
