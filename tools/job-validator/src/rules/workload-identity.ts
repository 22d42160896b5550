import { collect } from '../findings.js';
import { mainTasks } from '../job-model.js';
import type { Rule } from '../rule.js';

/**
 * With `consul.service_identity` on the servers, Nomad gives every Consul service a workload
 * identity (nomad/job_endpoint_hook_implicit_identities.go, handleConsulService), and with
 * `consul.task_identity` every task that has a `consul` block gets one (handleConsulTask). Before
 * any task starts, the client's alloc `consul` hook logs each identity in to Consul through the
 * configured auth method (client/allocrunner/consul_hook.go, prepareConsulTokensForServices /
 * prepareConsulTokensForTask: `AuthMethodName: consulConfig.ServiceIdentityAuthMethod`). Nothing
 * handles "no such auth method" or "ACLs disabled": the prerun fails with "failed to derive Consul
 * token for service ..." and the allocation never starts (hashicorp/nomad#24146). So every job
 * that registers a service needs the auth method to be one that infra/consul's bootstrap creates,
 * and a task `consul {}` block is only meaningful when the servers sign task identities.
 */
export const workloadIdentityRule: Rule = {
  id: 'workload-identity',
  description: 'Consul workload identities log in through an auth method infra/consul creates',
  check: (jobFile, context) =>
    collect('workload-identity', jobFile, (report) => {
      const agent = context.nomadConsul;
      if (context.consulAuthMethods === undefined) return;
      const created = new Set(context.consulAuthMethods);
      for (const group of jobFile.job.group) {
        const consulServices = group.service.filter(
          (service) => (service.provider ?? 'consul') === 'consul',
        );
        if (
          agent.serviceIdentity &&
          consulServices.length > 0 &&
          !created.has(agent.serviceAuthMethod)
        ) {
          report(
            `group ${group.name}`,
            `its services get workload identities that the client logs in through auth method "${agent.serviceAuthMethod}", which infra/consul never creates: the allocation cannot start`,
          );
        }
        for (const task of mainTasks(group)) {
          if (task.consul === undefined && group.consul === undefined) continue;
          const where = `group ${group.name} / task ${task.name}`;
          if (!agent.taskIdentity) {
            report(
              where,
              'consul block but the servers sign no consul.task_identity: the task gets no Consul token',
            );
          } else if (!created.has(agent.taskAuthMethod)) {
            report(
              where,
              `task identity logs in through auth method "${agent.taskAuthMethod}", which infra/consul never creates`,
            );
          }
        }
      }
    }),
};
