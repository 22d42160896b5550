import { collect, type FindingSink } from '../findings.js';
import { updateFor } from '../job-model.js';
import type { Rule } from '../rule.js';
import { parseTraefikRule } from '../traefik-rule.js';

const ROUTER_RULE = /^traefik\.http\.routers\.([^.]+)\.rule=(.*)$/s;
const ROUTER_ENTRYPOINTS = /^traefik\.http\.routers\.([^.]+)\.entrypoints=.+$/;
const SERVICE_PORT = /^traefik\.(http|tcp)\.services\.[^.]+\.loadbalancer\.server\.port=/;

function checkTagSet(
  tags: readonly string[],
  label: string,
  connect: boolean,
  report: FindingSink,
) {
  if (!tags.includes('traefik.enable=true')) {
    report(label, 'traefik.enable=true is missing (the provider runs with exposedByDefault=false)');
  }
  if (connect && !tags.includes('traefik.consulcatalog.connect=true')) {
    report(label, 'a Connect service needs traefik.consulcatalog.connect=true (else 502s)');
  }
  const connectItem = tags.includes('traefik.consulcatalog.connect=true');
  for (const tag of tags.filter((t) => SERVICE_PORT.test(t))) {
    if (connectItem) {
      report(
        label,
        `${tag} on a Connect item: Traefik would dial <node>:<that port> instead of the sidecar (502)`,
      );
    }
  }
  const routers = new Set<string>();
  for (const tag of tags) {
    const rule = ROUTER_RULE.exec(tag);
    if (!rule) continue;
    routers.add(rule[1]!);
    try {
      parseTraefikRule(rule[2]!);
    } catch (error) {
      report(label, `router ${rule[1]} rule does not parse: ${(error as Error).message}`);
    }
  }
  if (routers.size === 0) report(label, 'no traefik.http.routers.<name>.rule tag');
  for (const router of routers) {
    if (!tags.some((tag) => ROUTER_ENTRYPOINTS.exec(tag)?.[1] === router)) {
      report(label, `router ${router} has no entrypoints tag`);
    }
  }
  return routers;
}

/**
 * Services exposed through Traefik: router rules parse (Traefik v3 syntax), every router has an
 * entrypoint, Connect services are marked for Connect, and a group that deploys canaries gives
 * them canary_tags with traefik.consulcatalog.canary=true and their own router names, so canaries
 * neither take stable traffic nor collide with the stable routers.
 *
 * No `loadbalancer.server.port` on a Connect item. For Connect items Traefik lists the sidecar
 * registrations (`Health().Connect`, traefik pkg/provider/consulcatalog/consul_catalog.go), whose
 * address and port Nomad sets to the host IP and the dynamic connect-proxy port
 * (nomad command/agent/consul/connect.go), and the sidecar inherits the parent's tags. addServer
 * (pkg/provider/consulcatalog/config.go) then prefers the label port over the item's:
 * `port := loadBalancer.Servers[0].Port; ... if port == "" { port = item.Port }`. A pin therefore
 * sends Traefik to <node>:<app port>, where nothing listens under bridge mode, and every route
 * answers 502. Traefik's own Connect integration test (integration/consul_catalog_test.go) pins
 * nothing.
 */
export const traefikTagsRule: Rule = {
  id: 'traefik-tags',
  description:
    'Traefik tags: rules parse, entrypoints, connect, canary tags, no port pin on Connect',
  check: (jobFile) =>
    collect('traefik-tags', jobFile, (report) => {
      for (const group of jobFile.job.group) {
        const canaries = updateFor(jobFile.job, group)?.canary ?? 0;
        for (const service of group.service) {
          const where = `group ${group.name} / service ${service.name ?? '(unnamed)'}`;
          const exposed = service.tags.some((tag) => tag.startsWith('traefik.'));
          if (!exposed) continue;
          const connect = service.connect?.sidecar_service !== undefined;
          const stable = checkTagSet(service.tags, `${where} tags`, connect, report);
          if (canaries === 0) continue;
          if (service.canary_tags.length === 0) {
            report(where, 'the group deploys canaries but the service has no canary_tags');
            continue;
          }
          if (!service.canary_tags.includes('traefik.consulcatalog.canary=true')) {
            report(where, 'canary_tags must include traefik.consulcatalog.canary=true');
          }
          const canary = checkTagSet(service.canary_tags, `${where} canary_tags`, connect, report);
          for (const router of canary) {
            if (stable.has(router)) {
              report(where, `canary router ${router} reuses a stable router name`);
            }
          }
        }
      }
    }),
};
