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

const ALLOC_CONSUL_SOCKET = 'unix:///alloc/tmp/consul_http.sock';

/**
 * The Traefik job itself: Consul Catalog provider with exposedByDefault=false and connectAware,
 * ping and metrics on, and a Connect-native service whose name is the provider's serviceName
 * (Traefik requests leaf certificates under that name). How it reaches Consul, and with which
 * token:
 * - address: inside a bridge namespace 127.0.0.1:8500 (Traefik's default) is nothing, and a
 *   Consul agent's client address defaults to loopback. Nomad proxies the agent's HTTP API into
 *   Connect-native bridge groups at /alloc/tmp/consul_http.sock
 *   (client/allocrunner/consul_http_sock_hook.go, shouldRun/run), which Consul's client dials
 *   as a unix:// address (hashicorp/consul api/api.go, NewClient).
 * - token: no `endpoint.token` flag and no shell wrapper that builds one. Nomad's consul hook sets
 *   CONSUL_TOKEN and CONSUL_HTTP_TOKEN to the task token (client/allocrunner/taskrunner/
 *   consul_hook.go, Prestart); Traefik passes endpoint.token as the Consul client's Config.Token
 *   (pkg/provider/consulcatalog/consul_catalog.go, createClient) and the client falls back to
 *   CONSUL_HTTP_TOKEN only when that is empty (`if config.Token == "" { config.Token =
 *   defConfig.Token }`). A wrapper putting $CONSUL_TOKEN on argv also exposes it in
 *   /proc/<pid>/cmdline.
 * - the task has a `consul {}` block, so that it has a task identity at all (handleConsulTask in
 *   nomad/job_endpoint_hook_implicit_identities.go returns early without one).
 * - no `--api.insecure`: it publishes the dashboard and API unauthenticated on the entrypoint.
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
          const entrypoint = task.config?.entrypoint ?? [];
          if (entrypoint.some((part) => /(^|\/)(ba)?sh$/.test(part))) {
            report(
              where,
              'a shell entrypoint: run traefik directly, the token must not be built into argv',
            );
          }
          const argv = [...entrypoint, ...(task.config?.args ?? [])].join(' ');
          if (/endpoint\.token/i.test(argv)) {
            report(
              where,
              "providers.consulcatalog.endpoint.token is set: leave it empty so Consul's client uses CONSUL_HTTP_TOKEN",
            );
          }
          if (args.get('api.insecure') === 'true') {
            report(
              where,
              '--api.insecure=true publishes the dashboard and API without authentication',
            );
          }
          if (group.network?.mode === 'bridge') {
            const address = args.get('providers.consulcatalog.endpoint.address');
            if (address !== ALLOC_CONSUL_SOCKET) {
              report(
                where,
                `providers.consulcatalog.endpoint.address must be ${ALLOC_CONSUL_SOCKET} under bridge mode (found ${address ?? "Traefik's default 127.0.0.1:8500"})`,
              );
            }
          }
          if (task.consul === undefined && group.consul === undefined) {
            report(where, 'no consul {} block: the task gets no Consul task identity and no token');
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
