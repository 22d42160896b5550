import type { Fields } from './body-fields.js';
import { requireDurationMs } from './duration.js';
import { badRequest } from './errors.js';

export type CheckStatus = 'passing' | 'warning' | 'critical';

export const CHECK_STATUSES: readonly CheckStatus[] = ['passing', 'warning', 'critical'];

export function isCheckStatus(value: unknown): value is CheckStatus {
  return typeof value === 'string' && (CHECK_STATUSES as readonly string[]).includes(value);
}

export interface CheckDefinition {
  type: 'http' | 'tcp' | 'ttl';
  http?: string;
  method?: string;
  header?: Record<string, string[]>;
  body?: string;
  tlsSkipVerify?: boolean;
  tcp?: string;
  ttlMs?: number;
  intervalMs?: number;
  timeoutMs?: number;
  deregisterCriticalAfterMs?: number;
  /** The duration strings as sent, echoed back in `Definition` and agent/checks. */
  text: { interval: string; timeout: string; ttl: string; deregisterCriticalServiceAfter: string };
}

export interface CheckInput {
  checkId: string;
  name: string;
  notes: string;
  status?: CheckStatus;
  serviceId?: string;
  definition: CheckDefinition;
}

export interface ServiceInput {
  id: string;
  name: string;
  tags: string[];
  address: string;
  port: number;
  meta: Record<string, string>;
  taggedAddresses: unknown;
  weights: { Passing: number; Warning: number };
  enableTagOverride: boolean;
  kind: string;
  /** `Proxy.DestinationServiceName` of a `connect-proxy`: it answers as that service. */
  proxyDestination?: string;
  checks: CheckInput[];
}

const UNSUPPORTED_CHECK_KEYS = [
  'Script',
  'Args',
  'ScriptArgs',
  'GRPC',
  'H2PING',
  'UDP',
  'AliasNode',
  'AliasService',
  'DockerContainerID',
  'OSService',
];

/** Decodes a service registration body into a validated ServiceInput (400 on bad input). */
export function parseServiceRegistration(body: Fields): ServiceInput {
  const name = body.string('Name');
  if (!name) throw badRequest('Missing service name');
  const id = body.string('ID') || name;
  const port = body.number('Port') ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw badRequest('Invalid service port');
  const weights = body.object('Weights');
  const checks: CheckInput[] = [];
  const single = body.object('Check');
  if (single && hasAnyKey(single)) {
    checks.push(parseCheck(single, { serviceId: id, serviceName: name }));
  }
  const many = body.objectList('Checks') ?? [];
  many.forEach((fields, i) =>
    checks.push(parseCheck(fields, { serviceId: id, serviceName: name, position: i + 1 })),
  );
  const kind = body.string('Kind') ?? '';
  const proxyDestination = body.object('Proxy')?.string('DestinationServiceName')?.trim();
  // structs.go NodeService.Validate.
  if (kind === 'connect-proxy' && !proxyDestination) {
    throw badRequest(
      'Invalid Service: Proxy.DestinationServiceName must be non-empty for Connect proxy services',
    );
  }
  return {
    id,
    name,
    tags: body.stringList('Tags') ?? [],
    address: body.string('Address') ?? '',
    port,
    meta: body.stringMap('Meta') ?? {},
    taggedAddresses: body.plain('TaggedAddresses') ?? {},
    weights: {
      Passing: weights?.number('Passing') ?? 1,
      Warning: weights?.number('Warning') ?? 1,
    },
    enableTagOverride: body.boolean('EnableTagOverride') ?? false,
    kind,
    ...(proxyDestination ? { proxyDestination } : {}),
    checks,
  };
}

function hasAnyKey(fields: Fields): boolean {
  return ['Name', 'CheckID', 'ID', 'HTTP', 'TCP', 'TTL', 'Interval', 'Args', 'GRPC'].some((key) =>
    fields.has(key),
  );
}

interface CheckOwner {
  serviceId?: string;
  serviceName?: string;
  /** 1-based position in a `Checks` list; absent for a single `Check`. */
  position?: number;
}

/**
 * Decodes a check definition (inside a service or for agent/check/register) and validates it
 * with Consul's rules and messages.
 */
export function parseCheck(fields: Fields, owner: CheckOwner = {}): CheckInput {
  for (const key of UNSUPPORTED_CHECK_KEYS) {
    if (fields.has(key)) {
      throw badRequest(`Invalid check: ${key} checks are not supported by consul-double`);
    }
  }
  const http = fields.string('HTTP');
  const tcp = fields.string('TCP');
  const intervalMs = requireDurationMs(fields.raw('Interval'), 'Interval');
  const ttlMs = requireDurationMs(fields.raw('TTL'), 'TTL');
  const timeoutMs = requireDurationMs(fields.raw('Timeout'), 'Timeout');
  const deregisterCriticalAfterMs = requireDurationMs(
    fields.raw('DeregisterCriticalServiceAfter'),
    'DeregisterCriticalServiceAfter',
  );
  const intervalCheck = Boolean(http || tcp);
  if ((intervalMs ?? 0) > 0 && (ttlMs ?? 0) > 0) {
    throw badRequest('Invalid check: Interval and TTL cannot both be specified');
  }
  if (intervalCheck && !((intervalMs ?? 0) > 0)) {
    throw badRequest(
      'Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP or UDP checks',
    );
  }
  if (!intervalCheck && !((ttlMs ?? 0) > 0)) {
    throw badRequest('Invalid check: TTL must be > 0 for TTL checks');
  }
  if (http && tcp) throw badRequest('Invalid check: only one of HTTP or TCP may be set');
  const rawStatus = fields.string('Status');
  if (rawStatus !== undefined && rawStatus !== '' && !isCheckStatus(rawStatus)) {
    throw badRequest(`Invalid check: status "${rawStatus}" is not passing, warning or critical`);
  }
  const serviceId = owner.serviceId ?? (fields.string('ServiceID') || undefined);
  const checkId =
    fields.string('CheckID') ||
    fields.string('ID') ||
    (owner.serviceId
      ? `service:${owner.serviceId}${owner.position ? `:${owner.position}` : ''}`
      : fields.string('Name'));
  if (!checkId) throw badRequest('Missing check name');
  const name =
    fields.string('Name') || (owner.serviceName ? `Service '${owner.serviceName}' check` : checkId);
  const header = fields.raw('Header');
  return {
    checkId,
    name,
    notes: fields.string('Notes') ?? '',
    status: isCheckStatus(rawStatus) ? rawStatus : undefined,
    serviceId,
    definition: {
      type: http ? 'http' : tcp ? 'tcp' : 'ttl',
      http,
      method: fields.string('Method') || undefined,
      header: parseHeader(header),
      body: fields.string('Body'),
      tlsSkipVerify: fields.boolean('TLSSkipVerify'),
      tcp,
      ttlMs,
      intervalMs,
      timeoutMs,
      deregisterCriticalAfterMs,
      text: {
        interval: durationText(fields.raw('Interval')),
        timeout: durationText(fields.raw('Timeout')),
        ttl: durationText(fields.raw('TTL')),
        deregisterCriticalServiceAfter: durationText(fields.raw('DeregisterCriticalServiceAfter')),
      },
    },
  };
}

function durationText(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function parseHeader(value: unknown): Record<string, string[]> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('Request decode failed: Header must be a map of lists');
  }
  const out: Record<string, string[]> = {};
  for (const [name, item] of Object.entries(value)) {
    if (typeof item === 'string') out[name] = [item];
    else if (Array.isArray(item) && item.every((v) => typeof v === 'string')) out[name] = item;
    else throw badRequest(`Request decode failed: Header.${name} must be a list of strings`);
  }
  return out;
}
