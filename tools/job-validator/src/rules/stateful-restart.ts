import { collect } from '../findings.js';
import { vaultFor } from '../job-model.js';
import type { Rule } from '../rule.js';
import { isStatefulGroup } from '../service-profiles.js';

/**
 * Nothing that changes after start may restart a stateful task. Nomad's defaults do exactly that:
 * the vault block's change_mode defaults to "restart" (Nomad docs vault.mdx, change_mode), and
 * client/allocrunner/taskrunner/vault_hook.go answers a re-derived token with
 * `case structs.VaultChangeModeRestart: h.lifecycle.Restart(...)`; a template's change_mode also
 * defaults to "restart" (template.mdx; client/allocrunner/taskrunner/template/template.go).
 * A renewed token after a Vault outage or an edit of the admin KV entry would restart PostgreSQL,
 * Redis (dropping every ACL user Vault created) or RabbitMQ. Their admin secrets are read once, at
 * first initialisation, so "noop" loses nothing.
 *
 * Their processes never call Vault, so the token stays out of their environment
 * (`vault { env = false }`; `env` defaults to true, Nomad docs vault.mdx).
 *
 * RabbitMQ also needs its data on a volume and a fixed hostname: its node name is
 * rabbit@<hostname> and the data directory belongs to that name, so a new container with a new
 * hostname starts an empty node (RabbitMQ docs, "Node Names" / "Data Directory").
 */
export const statefulRestartRule: Rule = {
  id: 'stateful-restart',
  description:
    'stateful tasks: vault and template change_mode noop; RabbitMQ on a volume with a fixed hostname',
  check: (jobFile) =>
    collect('stateful-restart', jobFile, (report) => {
      const { job } = jobFile;
      for (const group of job.group) {
        if (!isStatefulGroup(group)) continue;
        for (const task of group.task) {
          const where = `group ${group.name} / task ${task.name}`;
          const vault = vaultFor(job, group, task);
          if (vault && (vault.change_mode ?? 'restart') !== 'noop') {
            report(
              where,
              `vault change_mode "${vault.change_mode ?? 'restart'}" restarts a stateful task when its token is re-derived; use "noop"`,
            );
          }
          if (vault && vault.env !== false) {
            report(
              where,
              'vault env defaults to true: VAULT_TOKEN lands in a process that never calls Vault; set env = false',
            );
          }
          for (const template of task.template) {
            const mode = template.change_mode ?? 'restart';
            if (mode === 'restart') {
              report(
                `${where} / template ${template.destination}`,
                'change_mode "restart" restarts a stateful task on every re-render; use "noop"',
              );
            }
          }
          if (/(^|\/)rabbitmq:/.test(task.config?.image ?? '')) {
            if (!task.volume_mount.some((mount) => mount.destination === '/var/lib/rabbitmq')) {
              report(
                where,
                'RabbitMQ without a volume at /var/lib/rabbitmq loses its queues on restart',
              );
            }
            if (group.network?.hostname === undefined) {
              report(
                where,
                'RabbitMQ needs a fixed network hostname: its node name and data follow it',
              );
            }
          }
        }
      }
    }),
};
