import { collect } from '../findings.js';
import type { Rule } from '../rule.js';
import { profileFor, UPSTREAM_CONFIG_KEYS } from '../service-profiles.js';
import { configValue, taskEnvironment } from '../task-env.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost']);

/**
 * Ports agree with the process's config: the Consul service port is the port the app listens on
 * (the sidecar's local_service_port defaults to it), and every data service the app reaches on loopback is a sidecar
 * upstream bound on exactly the host and port its config names.
 */
export const portsRule: Rule = {
  id: 'ports',
  description: 'service and upstream ports agree with the service config',
  check: (jobFile, context) =>
    collect('ports', jobFile, (report) => {
      for (const group of jobFile.job.group) {
        for (const task of group.task) {
          const profile = profileFor(context.profiles, jobFile.job.name, task.name);
          if (!profile) continue;
          const where = `group ${group.name} / task ${task.name}`;
          const env = taskEnvironment(task);
          if (profile.consulName !== undefined && profile.portKey !== undefined) {
            const port = configValue(profile, env, profile.portKey);
            const service = group.service.find((s) => s.name === profile.consulName);
            if (!service) {
              report(where, `no Consul service named ${profile.consulName}`);
            } else {
              if (String(service.port) !== port) {
                report(where, `service port ${service.port} != ${profile.portKey} ${port}`);
              }
            }
          }
          const upstreams = group.service.flatMap(
            (s) => s.connect?.sidecar_service?.proxy?.upstreams ?? [],
          );
          for (const destination of profile.dataServices) {
            const keys = UPSTREAM_CONFIG_KEYS[destination];
            if (!keys) continue;
            const host = configValue(profile, env, keys.host);
            const port = configValue(profile, env, keys.port);
            const upstream = upstreams.find((u) => u.destination_name === destination);
            if (!upstream) {
              if (host !== undefined && LOOPBACK.has(host)) {
                report(where, `${keys.host}=${host} but there is no upstream to ${destination}`);
              }
              continue;
            }
            const bindHost = upstream.local_bind_address ?? '127.0.0.1';
            if (
              host === undefined ||
              (host !== bindHost && !(LOOPBACK.has(host) && LOOPBACK.has(bindHost)))
            ) {
              report(
                where,
                `${keys.host}=${host} but the ${destination} upstream binds ${bindHost}`,
              );
            }
            if (String(upstream.local_bind_port) !== port) {
              report(
                where,
                `${keys.port}=${port} but the ${destination} upstream binds port ${upstream.local_bind_port}`,
              );
            }
          }
        }
      }
    }),
};
