import type { Catalog, CheckRecord, NodeRecord, ServiceRecord } from './catalog.js';

/** JSON shapes of Consul's HTTP API, built from catalog records. */

export function nodeView(node: NodeRecord): Record<string, unknown> {
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: {
      lan: node.address,
      lan_ipv4: node.address,
      wan: node.address,
      wan_ipv4: node.address,
    },
    Meta: { 'consul-network-segment': '' },
    CreateIndex: node.createIndex,
    ModifyIndex: node.modifyIndex,
  };
}

export function serviceView(service: ServiceRecord, datacenter: string): Record<string, unknown> {
  return {
    Kind: service.kind || undefined,
    ID: service.id,
    Service: service.name,
    Tags: service.tags,
    Meta: service.meta,
    Port: service.port,
    Address: service.address,
    TaggedAddresses: service.taggedAddresses,
    Weights: service.weights,
    EnableTagOverride: service.enableTagOverride,
    Datacenter: datacenter,
    CreateIndex: service.createIndex,
    ModifyIndex: service.modifyIndex,
  };
}

export function checkView(check: CheckRecord, nodeName: string): Record<string, unknown> {
  const definition = check.definition;
  return {
    Node: nodeName,
    CheckID: check.checkId,
    Name: check.name,
    Status: check.status,
    Notes: check.notes,
    Output: check.output,
    ServiceID: check.serviceId,
    ServiceName: check.serviceName,
    ServiceTags: check.serviceTags,
    Type: definition?.type ?? '',
    Interval: definition?.text.interval ?? '',
    Timeout: definition?.text.timeout ?? '',
    ExposedPort: 0,
    Definition: definition
      ? {
          HTTP: definition.http ?? '',
          TCP: definition.tcp ?? '',
          Method: definition.method ?? '',
          Header: definition.header ?? null,
          Interval: definition.text.interval || '0s',
          Timeout: definition.text.timeout || '0s',
          TTL: definition.text.ttl || '0s',
          DeregisterCriticalServiceAfter: definition.text.deregisterCriticalServiceAfter || '0s',
        }
      : {},
    CreateIndex: check.createIndex,
    ModifyIndex: check.modifyIndex,
  };
}

export function healthEntryView(catalog: Catalog, service: ServiceRecord): Record<string, unknown> {
  return {
    Node: nodeView(catalog.node),
    Service: serviceView(service, catalog.node.datacenter),
    Checks: catalog.healthChecksOf(service.id).map((check) => checkView(check, catalog.node.name)),
  };
}

export function catalogServiceView(
  catalog: Catalog,
  service: ServiceRecord,
): Record<string, unknown> {
  const node = catalog.node;
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: nodeView(node).TaggedAddresses,
    NodeMeta: { 'consul-network-segment': '' },
    ServiceKind: service.kind,
    ServiceID: service.id,
    ServiceName: service.name,
    ServiceTags: service.tags,
    ServiceAddress: service.address,
    ServiceWeights: service.weights,
    ServiceMeta: service.meta,
    ServicePort: service.port,
    ServiceTaggedAddresses: service.taggedAddresses,
    ServiceEnableTagOverride: service.enableTagOverride,
    ServiceProxy: { Mode: '', MeshGateway: {}, Expose: {} },
    ServiceConnect: {},
    CreateIndex: service.createIndex,
    ModifyIndex: service.modifyIndex,
  };
}

export function hasAllTags(service: ServiceRecord, tags: string[]): boolean {
  return tags.every((tag) => service.tags.includes(tag));
}

/** Every check passing, node checks included: what `?passing` keeps. */
export function isPassing(catalog: Catalog, service: ServiceRecord): boolean {
  return catalog.healthChecksOf(service.id).every((check) => check.status === 'passing');
}

/** What DNS keeps by default (`only_passing = false`): no check critical. */
export function isDnsHealthy(catalog: Catalog, service: ServiceRecord): boolean {
  return catalog.healthChecksOf(service.id).every((check) => check.status !== 'critical');
}
