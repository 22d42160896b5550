import { bindingRules, roles } from '@flowstack/infra-consul/acl-objects';
import { selectorMatches } from '@flowstack/consul-double/selector';
import { collect } from '../findings.js';
import type { Job, Task } from '../job-model.js';
import type { Rule } from '../rule.js';

const OBJECTS = { jwksUrl: '', nomadNamespace: 'default' };

function namespaceOf(job: Job): string {
  const value = (job as Record<string, unknown>)['namespace'];
  return typeof value === 'string' && value !== '' ? value : 'default';
}

function hasConsulBlock(task: Task): boolean {
  return (task as Record<string, unknown>)['consul'] !== undefined;
}

/** What a login with these claims binds, evaluated over the rules infra/consul writes. */
export function bindingsFor(claims: Record<string, string>): {
  serviceIdentities: string[];
  roles: string[];
} {
  const render = (name: string) =>
    name.replace(/\$\{value\.([^}]+)\}/g, (_all, key: string) => claims[key] ?? '');
  const result = { serviceIdentities: [] as string[], roles: [] as string[] };
  const known = new Set(roles(OBJECTS).map((role) => role.Name));
  for (const rule of bindingRules(OBJECTS)) {
    if (!selectorMatches(rule.Selector, { value: claims, list: {} })) continue;
    const name = render(rule.BindName);
    if (rule.BindType === 'service') result.serviceIdentities.push(name);
    // Consul skips a role binding whose role does not exist (agent/consul/acl.go).
    else if (known.has(name)) result.roles.push(name);
  }
  return result;
}

/** Service names a task's token may write: service identities of its roles. */
function writableServices(roleNames: string[]): Set<string> {
  const byName = new Map(roles(OBJECTS).map((role) => [role.Name, role]));
  return new Set(roleNames.flatMap((name) => byName.get(name)?.ServiceIdentities ?? []));
}

/**
 * Every Consul identity Nomad derives for a job can log in through the `nomad-workloads` auth
 * method infra/consul writes (infra/consul/src/acl-objects.ts, evaluated with the Consul double's
 * bexpr selectors), and gets what it needs:
 *
 * - Each Consul service gets a workload identity (hashicorp/nomad
 *   `nomad/job_endpoint_hook_implicit_identities.go`) and the client logs it in before the
 *   allocation runs (`client/allocrunner/consul_hook.go`, "failed to derive Consul token"); the
 *   login must bind a service identity of the same name (Consul `agent/consul/acl_endpoint.go`
 *   `Login` refuses a login that binds nothing: "Permission denied").
 * - A task with a `consul` block logs in with its task identity (no `nomad_service` claim) and
 *   must be bound to at least one role.
 * - A Connect-native service's task asks the agent for the service's leaf certificate with that
 *   task token, which needs `service:write` on the service (Consul
 *   `agent/agent_endpoint.go` `AgentConnectCALeafCert`); the token is the task token only when the
 *   task has a `consul` block (`client/allocrunner/taskrunner/consul_hook.go`).
 */
export const consulBindingsRule: Rule = {
  id: 'consul-bindings',
  description:
    "every Consul service and task identity logs in through infra/consul's binding rules and gets what it needs",
  check: (jobFile) =>
    collect('consul-bindings', jobFile, (report) => {
      const { job } = jobFile;
      const base = { nomad_namespace: namespaceOf(job), nomad_job_id: job.name };
      for (const group of job.group) {
        for (const service of group.service) {
          if (service.provider === 'nomad' || service.name === undefined) continue;
          const bound = bindingsFor({ ...base, nomad_service: service.name });
          if (!bound.serviceIdentities.includes(service.name)) {
            report(
              `group ${group.name} / service ${service.name}`,
              `no binding rule gives service "${service.name}" its service identity: Nomad cannot derive its Consul token`,
            );
          }
        }
        for (const task of group.task) {
          if (!hasConsulBlock(task)) continue;
          const bound = bindingsFor({ ...base, nomad_task: task.name });
          if (bound.roles.length === 0) {
            report(
              `group ${group.name} / task ${task.name}`,
              'its task identity binds no role: Consul refuses the login',
            );
          }
        }
        for (const service of group.service) {
          if (service.connect?.native !== true || service.name === undefined) continue;
          const taskName = service.task;
          const task = group.task.find((candidate) => candidate.name === taskName);
          const where = `group ${group.name} / service ${service.name}`;
          if (!task || !hasConsulBlock(task)) {
            report(
              where,
              `Connect-native service needs its task (${taskName ?? 'unset'}) to have a consul block: without a task token it cannot get its leaf certificate`,
            );
            continue;
          }
          const bound = bindingsFor({ ...base, nomad_task: task.name });
          if (!writableServices(bound.roles).has(service.name)) {
            report(
              where,
              `task ${task.name}'s token (roles ${bound.roles.join(', ') || 'none'}) lacks service:write on "${service.name}": the agent refuses its leaf certificate`,
            );
          }
        }
      }
    }),
};
