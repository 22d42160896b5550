import { collect } from '../findings.js';
import type { Rule } from '../rule.js';
import { profileFor } from '../service-profiles.js';
import { configValue, taskEnvironment } from '../task-env.js';

const HOST_PORT_REF = /^\$\{NOMAD_HOST_PORT_([A-Za-z0-9_-]+)\}$/;

/**
 * Under bridge mode the app's port exists only inside the allocation's network namespace, while
 * Consul holds the node's address for the service (what consul_sd hands Prometheus as
 * __meta_consul_service_address). Prometheus
 * (infra/observability/prometheus/prometheus.yml) therefore scrapes
 * `<service address>:<meta metrics_port>`, which must be an Envoy expose listener for /metrics:
 * `proxy { expose { path { path = "/metrics", local_path_port = <app port>, listener_port = <label> } } }`
 * (Nomad docs expose.mdx; nomad/job_endpoint_hook_expose_check.go builds the same for checks) with
 * the label in the group network and the service meta naming `${NOMAD_HOST_PORT_<label>}`.
 * Without it every scrape fails and FlowstackTargetDown pages for every instance.
 */
export const metricsReachableRule: Rule = {
  id: 'metrics-reachable',
  description:
    '/metrics of bridge-mode services is exposed through Envoy and named in service meta',
  check: (jobFile, context) =>
    collect('metrics-reachable', jobFile, (report) => {
      for (const group of jobFile.job.group) {
        if (group.network?.mode !== 'bridge') continue;
        for (const task of group.task) {
          const profile = profileFor(context.profiles, jobFile.job.name, task.name);
          if (!profile?.consulName || !profile.portKey) continue;
          const service = group.service.find((s) => s.name === profile.consulName);
          if (!service?.connect?.sidecar_service) continue;
          const where = `group ${group.name} / service ${service.name}`;
          const appPort = configValue(profile, taskEnvironment(task), profile.portKey);
          const paths = service.connect.sidecar_service.proxy?.expose?.path ?? [];
          const metrics = paths.find((path) => path.path === '/metrics');
          if (!metrics) {
            report(
              where,
              'no Envoy expose path for /metrics: Prometheus cannot reach it under bridge mode',
            );
            continue;
          }
          if (String(metrics.local_path_port) !== appPort) {
            report(
              where,
              `/metrics is exposed from port ${metrics.local_path_port} but the app listens on ${appPort}`,
            );
          }
          const labels = new Set((group.network.port ?? []).map((port) => port.name));
          if (!labels.has(metrics.listener_port)) {
            report(
              where,
              `expose listener_port "${metrics.listener_port}" is not a port of the group network`,
            );
          }
          const metaKey = context.prometheusMetricsMeta;
          if (metaKey === undefined) continue;
          const value = service.meta?.[metaKey];
          const label = typeof value === 'string' ? HOST_PORT_REF.exec(value)?.[1] : undefined;
          if (label !== metrics.listener_port) {
            report(
              where,
              `meta ${metaKey} must be "\${NOMAD_HOST_PORT_${metrics.listener_port}}" (Prometheus reads the port from it)`,
            );
          }
        }
      }
    }),
};
