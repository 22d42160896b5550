import type { Answer, Packet, Question } from 'dns-packet';
import type { Catalog, ServiceRecord } from './catalog.js';
import { hasAllTags, isDnsHealthy } from './views.js';

export const DNS_DOMAIN = 'consul';

export interface ServiceQuery {
  service: string;
  tag?: string;
}

/**
 * Reads a service name the way Consul's DNS does: `[tag.]service.service[.dc].consul` and the
 * RFC 2782 form `_service._tag.service[.dc].consul` (where `_tcp` means "any tag").
 */
export function parseServiceName(name: string, datacenter: string): ServiceQuery | undefined {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.');
  if (labels.pop() !== DNS_DOMAIN) return undefined;
  if (labels.at(-1) === datacenter) labels.pop();
  if (labels.pop() !== 'service') return undefined;
  const [first, second, ...rest] = labels;
  if (rest.length > 0 || !first) return undefined;
  if (first.startsWith('_') && second?.startsWith('_')) {
    const tag = second.slice(1);
    return { service: first.slice(1), tag: tag === 'tcp' ? undefined : tag };
  }
  if (second === undefined) return { service: first };
  return { service: second, tag: first };
}

/** "c000020a" for 192.0.2.10: the label Consul uses in `<hex>.addr.<dc>.consul`. */
export function hexAddress(ip: string): string {
  return ip
    .split('.')
    .map((octet) => Number(octet).toString(16).padStart(2, '0'))
    .join('');
}

/**
 * Builds the response packet for one query against the catalog. `canRead` is the ACL view of the
 * token DNS answers with: a service it may not read has no instances, so NXDOMAIN, as Consul's
 * DNS does with the results its RPC filtered (agent/dns.go).
 */
export function answerQuery(
  catalog: Catalog,
  query: Packet,
  canRead: (service: string) => boolean = () => true,
): Packet {
  const question: Question | undefined = query.questions?.[0];
  const datacenter = catalog.node.datacenter;
  const base: Packet = {
    id: query.id ?? 0,
    type: 'response',
    flags: 0x0400 | ((query.flags ?? 0) & 0x0100), // AA, and echo RD
    questions: question ? [question] : [],
    answers: [],
    additionals: [],
    authorities: [],
  };
  const soa: Answer = {
    type: 'SOA',
    name: `${DNS_DOMAIN}.`,
    ttl: 0,
    class: 'IN',
    data: {
      mname: `ns.${DNS_DOMAIN}.`,
      rname: `hostmaster.${DNS_DOMAIN}.`,
      serial: Math.floor(Date.now() / 1000),
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: 0,
    },
  };
  const parsed = question ? parseServiceName(question.name, datacenter) : undefined;
  const instances: ServiceRecord[] =
    parsed && canRead(parsed.service)
      ? catalog
          .instancesOf(parsed.service)
          .filter((service) => !parsed.tag || hasAllTags(service, [parsed.tag]))
          .filter((service) => isDnsHealthy(catalog, service))
      : [];
  if (!question || !parsed || instances.length === 0) {
    return { ...base, flags: (base.flags ?? 0) | 3, authorities: [soa] }; // NXDOMAIN
  }
  shuffle(instances);
  const name = question.name;
  if (question.type === 'SRV') {
    for (const service of instances) {
      const address = service.address || catalog.node.address;
      const target = service.address
        ? `${hexAddress(service.address)}.addr.${datacenter}.${DNS_DOMAIN}`
        : `${catalog.node.name}.node.${datacenter}.${DNS_DOMAIN}`;
      base.answers?.push({
        type: 'SRV',
        name,
        ttl: 0,
        class: 'IN',
        data: { priority: 1, weight: 1, port: service.port, target },
      });
      base.additionals?.push({ type: 'A', name: target, ttl: 0, class: 'IN', data: address });
    }
    return base;
  }
  if (question.type === 'A') {
    const seen = new Set<string>();
    for (const service of instances) {
      const address = service.address || catalog.node.address;
      if (seen.has(address)) continue;
      seen.add(address);
      base.answers?.push({ type: 'A', name, ttl: 0, class: 'IN', data: address });
    }
    return base;
  }
  // The name exists but has no records of the asked type: NOERROR with the SOA.
  return { ...base, authorities: [soa] };
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}
