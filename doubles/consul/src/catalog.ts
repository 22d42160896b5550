import { randomUUID } from 'node:crypto';
import type { ChangeIndex } from './change-index.js';
import { badRequest } from './errors.js';
import type { CheckDefinition, CheckInput, CheckStatus, ServiceInput } from './registration.js';

export interface NodeRecord {
  id: string;
  name: string;
  address: string;
  datacenter: string;
  createIndex: number;
  modifyIndex: number;
}

export interface ServiceRecord extends Omit<ServiceInput, 'checks'> {
  /** Registered through the agent API (the built-in `consul` service is catalog-only). */
  agentRegistered: boolean;
  createIndex: number;
  modifyIndex: number;
}

export interface CheckRecord {
  checkId: string;
  name: string;
  status: CheckStatus;
  notes: string;
  output: string;
  serviceId: string;
  serviceName: string;
  serviceTags: string[];
  /** Undefined for the node's own serfHealth check. */
  definition?: CheckDefinition;
  /** When the check last turned critical (ms since epoch); drives the critical reaper. */
  criticalSince?: number;
  createIndex: number;
  modifyIndex: number;
}

export interface CatalogObserver {
  checkAdded(check: CheckRecord): void;
  checkRemoved(check: CheckRecord): void;
}

export interface CatalogOptions {
  nodeName: string;
  nodeAddress: string;
  datacenter?: string;
  now?: () => number;
}

const SERF_CHECK_ID = 'serfHealth';

/**
 * The agent's local state and the catalog in one, since the double is a single-node cluster:
 * services and checks, with the indexes that blocking health and catalog queries wait on.
 */
export class Catalog {
  readonly node: NodeRecord;
  private readonly services = new Map<string, ServiceRecord>();
  private readonly checks = new Map<string, CheckRecord>();
  /** Last index that touched any service of a name (kept after the last instance leaves). */
  private readonly nameIndex = new Map<string, number>();
  private servicesIndex = 1;
  private checksIndex = 1;
  private observer: CatalogObserver | undefined;
  private readonly now: () => number;

  constructor(
    private readonly changes: ChangeIndex,
    options: CatalogOptions,
  ) {
    this.now = options.now ?? Date.now;
    const index = changes.next();
    this.node = {
      id: randomUUID(),
      name: options.nodeName,
      address: options.nodeAddress,
      datacenter: options.datacenter ?? 'dc1',
      createIndex: index,
      modifyIndex: index,
    };
    this.checks.set(SERF_CHECK_ID, {
      checkId: SERF_CHECK_ID,
      name: 'Serf Health Status',
      status: 'passing',
      notes: '',
      output: 'Agent alive and reachable',
      serviceId: '',
      serviceName: '',
      serviceTags: [],
      createIndex: index,
      modifyIndex: index,
    });
    this.services.set('consul', {
      id: 'consul',
      name: 'consul',
      tags: [],
      address: '',
      port: 8300,
      meta: {},
      taggedAddresses: {},
      weights: { Passing: 1, Warning: 1 },
      enableTagOverride: false,
      kind: '',
      agentRegistered: false,
      createIndex: index,
      modifyIndex: index,
    });
    this.servicesIndex = index;
    this.checksIndex = index;
    this.nameIndex.set('consul', index);
  }

  setObserver(observer: CatalogObserver | undefined): void {
    this.observer = observer;
  }

  // ---- writes -------------------------------------------------------------------------------

  /** Upserts a service by ID with its checks, as agent/service/register does. */
  registerService(input: ServiceInput, replaceExistingChecks = false): ServiceRecord {
    if (input.id === 'consul' || input.name === 'consul') {
      throw badRequest('Invalid service: "consul" is reserved for the server itself');
    }
    const index = this.changes.next();
    const existing = this.services.get(input.id);
    if (existing && existing.name !== input.name) this.touchName(existing.name, index);
    const { checks, ...fields } = input;
    const record: ServiceRecord = {
      ...fields,
      agentRegistered: true,
      createIndex: existing?.createIndex ?? index,
      modifyIndex: index,
    };
    this.services.set(input.id, record);
    const keep = new Set(checks.map((check) => check.checkId));
    if (replaceExistingChecks) {
      for (const check of this.checksOf(input.id)) {
        if (!keep.has(check.checkId)) this.dropCheck(check);
      }
    }
    for (const check of this.checksOf(input.id)) {
      if (!keep.has(check.checkId)) {
        check.serviceTags = [...input.tags];
        check.serviceName = input.name;
        check.modifyIndex = index;
      }
    }
    for (const check of checks) this.putCheck(check, record, index);
    this.servicesIndex = index;
    this.checksIndex = index;
    this.touchName(input.name, index);
    this.changes.notify();
    return record;
  }

  /** Removes a service and its checks. Unknown IDs are a no-op, as in Consul. */
  deregisterService(serviceId: string): boolean {
    const service = this.services.get(serviceId);
    if (!service?.agentRegistered) return false;
    const index = this.changes.next();
    for (const check of this.checksOf(serviceId)) this.dropCheck(check);
    this.services.delete(serviceId);
    this.servicesIndex = index;
    this.checksIndex = index;
    this.touchName(service.name, index);
    this.changes.notify();
    return true;
  }

  registerCheck(input: CheckInput): CheckRecord {
    let service: ServiceRecord | undefined;
    if (input.serviceId) {
      service = this.services.get(input.serviceId);
      if (!service?.agentRegistered) {
        throw badRequest(`ServiceID "${input.serviceId}" does not exist`);
      }
    }
    if (input.checkId === SERF_CHECK_ID) throw badRequest('Invalid check: serfHealth is reserved');
    const index = this.changes.next();
    const record = this.putCheck(input, service, index);
    this.checksIndex = index;
    if (service) this.touchName(service.name, index);
    this.changes.notify();
    return record;
  }

  deregisterCheck(checkId: string): boolean {
    const check = this.checks.get(checkId);
    if (!check || checkId === SERF_CHECK_ID) return false;
    const index = this.changes.next();
    this.dropCheck(check);
    this.checksIndex = index;
    if (check.serviceName) this.touchName(check.serviceName, index);
    this.changes.notify();
    return true;
  }

  /** Records a check result. Writes (and wakes blocking queries) only when something changed. */
  setCheckStatus(checkId: string, status: CheckStatus, output: string): CheckRecord | undefined {
    const check = this.checks.get(checkId);
    if (!check) return undefined;
    if (check.status === status && check.output === output) return check;
    const index = this.changes.next();
    if (status === 'critical' && check.status !== 'critical') check.criticalSince = this.now();
    if (status !== 'critical') check.criticalSince = undefined;
    check.status = status;
    check.output = output;
    check.modifyIndex = index;
    this.checksIndex = index;
    if (check.serviceName) this.touchName(check.serviceName, index);
    this.changes.notify();
    return check;
  }

  /**
   * Deregisters every service that has a check critical for longer than its
   * DeregisterCriticalServiceAfter (never less than `minimumMs`). Returns the reaped IDs.
   */
  reapCritical(minimumMs: number): string[] {
    const now = this.now();
    const doomed = new Set<string>();
    for (const check of this.checks.values()) {
      const after = check.definition?.deregisterCriticalAfterMs;
      if (after === undefined || !check.serviceId || check.criticalSince === undefined) continue;
      if (now - check.criticalSince >= Math.max(after, minimumMs)) doomed.add(check.serviceId);
    }
    for (const serviceId of doomed) this.deregisterService(serviceId);
    return [...doomed];
  }

  // ---- reads --------------------------------------------------------------------------------

  getService(serviceId: string): ServiceRecord | undefined {
    return this.services.get(serviceId);
  }

  getCheck(checkId: string): CheckRecord | undefined {
    return this.checks.get(checkId);
  }

  allServices(): ServiceRecord[] {
    return [...this.services.values()].sort(byId);
  }

  agentServices(): ServiceRecord[] {
    return this.allServices().filter((service) => service.agentRegistered);
  }

  instancesOf(name: string): ServiceRecord[] {
    return this.allServices().filter((service) => service.name === name);
  }

  allChecks(): CheckRecord[] {
    return [...this.checks.values()].sort((a, b) => (a.checkId < b.checkId ? -1 : 1));
  }

  checksOf(serviceId: string): CheckRecord[] {
    return this.allChecks().filter((check) => check.serviceId === serviceId);
  }

  nodeChecks(): CheckRecord[] {
    return this.allChecks().filter((check) => check.serviceId === '');
  }

  /** Node checks plus the service's own checks: what health/service returns for an instance. */
  healthChecksOf(serviceId: string): CheckRecord[] {
    return [...this.nodeChecks(), ...this.checksOf(serviceId)];
  }

  /** The index health/service/:name and catalog/service/:name block on. */
  indexOfName(name: string): number {
    return this.nameIndex.get(name) ?? this.servicesIndex;
  }

  get servicesTableIndex(): number {
    return this.servicesIndex;
  }

  get checksTableIndex(): number {
    return this.checksIndex;
  }

  // ---- internals ----------------------------------------------------------------------------

  private putCheck(
    input: CheckInput,
    service: ServiceRecord | undefined,
    index: number,
  ): CheckRecord {
    const existing = this.checks.get(input.checkId);
    if (existing) this.observer?.checkRemoved(existing);
    const status: CheckStatus = input.status ?? existing?.status ?? 'critical';
    const record: CheckRecord = {
      checkId: input.checkId,
      name: input.name,
      status,
      notes: input.notes,
      output: existing?.output ?? '',
      serviceId: service?.id ?? '',
      serviceName: service?.name ?? '',
      serviceTags: service ? [...service.tags] : [],
      definition: input.definition,
      criticalSince: status === 'critical' ? (existing?.criticalSince ?? this.now()) : undefined,
      createIndex: existing?.createIndex ?? index,
      modifyIndex: index,
    };
    this.checks.set(record.checkId, record);
    this.observer?.checkAdded(record);
    return record;
  }

  private dropCheck(check: CheckRecord): void {
    this.checks.delete(check.checkId);
    this.observer?.checkRemoved(check);
  }

  private touchName(name: string, index: number): void {
    this.nameIndex.set(name, index);
  }
}

function byId(a: ServiceRecord, b: ServiceRecord): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
