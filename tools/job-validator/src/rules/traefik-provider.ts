import { collect } from '../findings.js';
import type { Rule } from '../rule.js';

function flags(args: readonly string[]): Map<string, string> {
  return new Map(
    args.map((arg) => {
      const [name, ...value] = arg.replace(/^--/, '').split('=');
      return [name!.toLowerCase(), value.length === 0 ? 'true' : value.join('=')];
    }),
  );
}

const REQUIRED: [string, string, string][] = [
  ['providers.consulcatalog', 'true', 'the Consul Catalog provider'],
  [
    'providers.consulcatalog.exposedbydefault',
    'false',
    'v3 defaults to true: every service exposed',
  ],
  ['providers.consulcatalog.connectaware', 'true', 'routes to Connect services need it'],
  ['ping', 'true', 'the health check calls /ping'],
  ['metrics.prometheus', 'true', 'Prometheus metrics'],
];

/**
 * The Traefik job itself: Consul Catalog provider with exposedByDefault=false and connectAware,
 * ping and metrics on, and a Connect-native service whose name is the provider's serviceName
 * (Traefik requests leaf certificates under that name).
 */
export const traefikProviderRule: Rule = {
  id: 'traefik-provider',
  description:
    'Traefik runs the consulcatalog provider Connect-aware, native, with ping and metrics',
  check: (jobFile) =>
    collect('traefik-provider', jobFile, (report) => {
      for (const group of jobFile.job.group) {
        for (const task of group.task) {
          const image = task.config?.image ?? '';
          if (!/(^|\/)traefik:/.test(image)) continue;
          const where = `group ${group.name} / task ${task.name}`;
          const args = flags(task.config?.args ?? []);
          for (const [flag, value, why] of REQUIRED) {
            if (args.get(flag) !== value) report(where, `--${flag}=${value} is required (${why})`);
          }
          const serviceName = args.get('providers.consulcatalog.servicename') ?? 'traefik';
          const native = group.service.find((service) => service.connect?.native === true);
          if (!native) {
            report(where, 'Traefik needs a service with connect { native = true }');
          } else if (native.name !== serviceName) {
            report(
              where,
              `the native service is "${native.name}" but providers.consulcatalog.servicename is "${serviceName}"`,
            );
          }
        }
      }
    }),
};
