import { isAllowed } from '../consul-intentions.js';
import { collect } from '../findings.js';
import type { Rule } from '../rule.js';

/**
 * With Consul's default deny, a sidecar upstream without an allow intention fails every
 * connection. Each upstream, and Traefik's route to each Connect service it exposes, needs one.
 */
export const intentionsRule: Rule = {
  id: 'intentions',
  description: 'every upstream (and Traefik to each Connect route) has an allow intention',
  check: (jobFile, context) =>
    collect('intentions', jobFile, (report) => {
      const intentions = context.intentions;
      if (!intentions) return;
      for (const group of jobFile.job.group) {
        for (const service of group.service) {
          const source = service.name;
          const where = `group ${group.name} / service ${source ?? '(unnamed)'}`;
          if (source === undefined) continue;
          for (const upstream of service.connect?.sidecar_service?.proxy?.upstreams ?? []) {
            if (!isAllowed(intentions, source, upstream.destination_name)) {
              report(where, `no allow intention ${source} -> ${upstream.destination_name}`);
            }
          }
          const routed = [...service.tags, ...service.canary_tags].includes(
            'traefik.consulcatalog.connect=true',
          );
          if (routed && !isAllowed(intentions, 'traefik', source)) {
            report(where, `no allow intention traefik -> ${source} (Traefik would get 403/502)`);
          }
        }
      }
    }),
};
