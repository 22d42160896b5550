import type { IncomingMessage } from 'node:http';
import type { AclGate, AclLevel, AclResource, Caller } from './acl.js';
import { aclAuthRoutes } from './acl-auth/acl-routes.js';
import { type BlockingRequest, parseBlocking, waitForChange } from './blocking.js';
import { Fields } from './body-fields.js';
import type { Catalog } from './catalog.js';
import type { ChangeIndex } from './change-index.js';
import type { CheckRunner } from './check-runner.js';
import { type ConfigEntries, requireKind } from './config-entries.js';
import { badRequest, notFound } from './errors.js';
import type { KvEntry, KvStore } from './kv-store.js';
import {
  type CheckStatus,
  isCheckStatus,
  parseCheck,
  parseServiceRegistration,
} from './registration.js';
import {
  catalogServiceView,
  checkView,
  hasAllTags,
  healthEntryView,
  isPassing,
  nodeView,
  serviceView,
} from './views.js';

export interface State {
  changes: ChangeIndex;
  catalog: Catalog;
  runner: CheckRunner;
  kv: KvStore;
  config: ConfigEntries;
  acl: AclGate;
  version: string;
}

export interface Reply {
  status?: number;
  /** JSON body; `undefined` with no `text`/`raw` means an empty body. */
  json?: unknown;
  text?: string;
  raw?: Buffer;
  /** Present on blocking-capable reads: becomes X-Consul-Index and friends. */
  index?: number;
}

export interface RouteContext {
  request: IncomingMessage;
  query: URLSearchParams;
  params: string[];
  caller: Caller;
  signal: AbortSignal;
  body(): Promise<Buffer>;
}

type Handler = (ctx: RouteContext) => Reply | Promise<Reply>;

interface Route {
  /** A path without parameters wins over a parameterised one, as in Go's ServeMux. */
  exact: boolean;
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/** Builds the route table over the double's state. */
export function buildRoutes(state: State): Route[] {
  const { catalog, runner, kv, config, acl, changes } = state;
  const dc = catalog.node.datacenter;
  const routes: Route[] = [];
  const add = (method: string, path: string, handler: Handler): void => {
    const pattern = new RegExp(
      `^${path.replace(/:rest/g, '(.*)').replace(/:[a-z]+/g, '([^/]+)')}$`,
    );
    routes.push({ exact: !path.includes(':'), method, pattern, handler });
  };
  const authorize = (ctx: RouteContext, resource: AclResource, level: AclLevel, name?: string) =>
    acl.authorize(ctx.caller, resource, level, name);
  const readable = (ctx: RouteContext, resource?: AclResource, name?: string) =>
    acl.canRead(ctx.caller, resource, name);
  for (const route of aclAuthRoutes(acl)) add(route.method, route.path, route.handler);

  /** Waits per the request's index/wait, then renders with the index current at that moment. */
  const blocking = async (
    ctx: RouteContext,
    relevantIndex: () => number,
    render: () => Omit<Reply, 'index'>,
  ): Promise<Reply> => {
    const request: BlockingRequest | undefined = parseBlocking(ctx.query);
    if (request) await waitForChange(changes, request, relevantIndex, ctx.signal);
    return { ...render(), index: relevantIndex() };
  };

  // ---- status and agent ---------------------------------------------------------------------
  const serverAddress = `${catalog.node.address}:8300`;
  add('GET', '/v1/status/leader', () => ({ json: serverAddress }));
  add('GET', '/v1/status/peers', () => ({ json: [serverAddress] }));
  add('GET', '/v1/catalog/datacenters', () => ({ json: [dc] }));
  add('GET', '/v1/agent/self', (ctx) => {
    authorize(ctx, 'agent', 'read', catalog.node.name);
    return { json: agentSelf(state) };
  });
  add('GET', '/v1/agent/members', (ctx) => ({
    json: readable(ctx) ? [agentSelf(state).Member] : [],
  }));

  add('PUT', '/v1/agent/service/register', async (ctx) => {
    const input = parseServiceRegistration(
      Fields.parseJson((await ctx.body()).toString('utf8'), 'service'),
    );
    authorize(ctx, 'service', 'write', input.name);
    catalog.registerService(input, ctx.query.has('replace-existing-checks'));
    return {};
  });
  add('PUT', '/v1/agent/service/deregister/:id', (ctx) => {
    const id = ctx.params[0] ?? '';
    authorize(ctx, 'service', 'write', catalog.getService(id)?.name ?? id);
    catalog.deregisterService(id);
    return {};
  });
  add('GET', '/v1/agent/services', (ctx) => {
    rejectFilter(ctx);
    const out: Record<string, unknown> = {};
    if (readable(ctx)) {
      for (const service of catalog.agentServices()) out[service.id] = serviceView(service, dc);
    }
    return { json: out };
  });
  add('GET', '/v1/agent/service/:id', (ctx) => {
    const service = catalog.getService(ctx.params[0] ?? '');
    if (!service?.agentRegistered) throw notFound(`unknown service ID: ${ctx.params[0] ?? ''}`);
    authorize(ctx, 'service', 'read', service.name);
    return { json: serviceView(service, dc) };
  });
  add('GET', '/v1/agent/health/service/name/:name', (ctx) => {
    const name = ctx.params[0] ?? '';
    authorize(ctx, 'service', 'read', name);
    const instances = catalog.instancesOf(name).filter((s) => s.agentRegistered);
    if (instances.length === 0) {
      throw notFound(`ServiceName ${name} Not Found`);
    }
    const entries = instances.map((service) => ({
      AggregatedStatus: aggregate(catalog.checksOf(service.id).map((c) => c.status)),
      Service: serviceView(service, dc),
      Checks: catalog.checksOf(service.id).map((check) => checkView(check, catalog.node.name)),
    }));
    const worst = aggregate(entries.map((entry) => entry.AggregatedStatus));
    return { status: statusCodeOf(worst), json: entries };
  });
  add('GET', '/v1/agent/health/service/id/:id', (ctx) => {
    const service = catalog.getService(ctx.params[0] ?? '');
    if (!service?.agentRegistered) throw notFound(`ServiceId ${ctx.params[0] ?? ''} not found`);
    authorize(ctx, 'service', 'read', service.name);
    const status = aggregate(catalog.checksOf(service.id).map((c) => c.status));
    if (ctx.query.get('format') === 'text') return { status: statusCodeOf(status), text: status };
    return {
      status: statusCodeOf(status),
      json: {
        AggregatedStatus: status,
        Service: serviceView(service, dc),
        Checks: catalog.checksOf(service.id).map((check) => checkView(check, catalog.node.name)),
      },
    };
  });

  add('GET', '/v1/agent/checks', (ctx) => {
    rejectFilter(ctx);
    const out: Record<string, unknown> = {};
    if (readable(ctx)) {
      for (const check of catalog.allChecks()) {
        if (check.definition) out[check.checkId] = checkView(check, catalog.node.name);
      }
    }
    return { json: out };
  });
  add('PUT', '/v1/agent/check/register', async (ctx) => {
    const input = parseCheck(Fields.parseJson((await ctx.body()).toString('utf8'), 'check'));
    const service = input.serviceId ? catalog.getService(input.serviceId) : undefined;
    authorize(ctx, service ? 'service' : 'node', 'write', service?.name ?? catalog.node.name);
    catalog.registerCheck(input);
    return {};
  });
  add('PUT', '/v1/agent/check/deregister/:id', (ctx) => {
    const check = catalog.getCheck(ctx.params[0] ?? '');
    authorize(
      ctx,
      check?.serviceName ? 'service' : 'node',
      'write',
      check?.serviceName || catalog.node.name,
    );
    if (!check) {
      throw notFound(
        `Unknown check ID "${ctx.params[0] ?? ''}". Ensure that the check ID is passed, not the check name.`,
      );
    }
    catalog.deregisterCheck(check.checkId);
    return {};
  });
  const ttlUpdate = (status: CheckStatus) => (ctx: RouteContext) => {
    const id = ctx.params[0] ?? '';
    const check = catalog.getCheck(id);
    authorize(
      ctx,
      check?.serviceName ? 'service' : 'node',
      'write',
      check?.serviceName || catalog.node.name,
    );
    runner.updateTtl(id, status, ctx.query.get('note') ?? '');
    return {};
  };
  add('PUT', '/v1/agent/check/pass/:id', ttlUpdate('passing'));
  add('PUT', '/v1/agent/check/warn/:id', ttlUpdate('warning'));
  add('PUT', '/v1/agent/check/fail/:id', ttlUpdate('critical'));
  add('PUT', '/v1/agent/check/update/:id', async (ctx) => {
    const id = ctx.params[0] ?? '';
    const body = Fields.parseJson((await ctx.body()).toString('utf8'), 'update');
    const status = body.string('Status');
    if (!isCheckStatus(status)) throw badRequest('Invalid check status');
    const check = catalog.getCheck(id);
    authorize(
      ctx,
      check?.serviceName ? 'service' : 'node',
      'write',
      check?.serviceName || catalog.node.name,
    );
    runner.updateTtl(id, status, body.string('Output') ?? '');
    return {};
  });

  // ---- health -------------------------------------------------------------------------------
  add('GET', '/v1/health/service/:name', (ctx) => {
    rejectFilter(ctx);
    const name = ctx.params[0] ?? '';
    const tags = ctx.query.getAll('tag');
    const passingOnly = flag(ctx.query, 'passing');
    return blocking(
      ctx,
      () => catalog.indexOfName(name),
      () => ({
        json: readable(ctx, 'service', name)
          ? catalog
              .instancesOf(name)
              .filter((service) => hasAllTags(service, tags))
              .filter((service) => !passingOnly || isPassing(catalog, service))
              .map((service) => healthEntryView(catalog, service))
          : [],
      }),
    );
  });
  add('GET', '/v1/health/checks/:name', (ctx) => {
    rejectFilter(ctx);
    const name = ctx.params[0] ?? '';
    return blocking(
      ctx,
      () => catalog.indexOfName(name),
      () => ({
        json: readable(ctx)
          ? catalog
              .allChecks()
              .filter((check) => check.serviceName === name)
              .map((check) => checkView(check, catalog.node.name))
          : [],
      }),
    );
  });
  add('GET', '/v1/health/state/:state', (ctx) => {
    rejectFilter(ctx);
    const state = ctx.params[0] ?? '';
    if (state !== 'any' && !isCheckStatus(state)) throw badRequest('Invalid check state');
    return blocking(
      ctx,
      () => catalog.checksTableIndex,
      () => ({
        json: readable(ctx)
          ? catalog
              .allChecks()
              .filter((check) => state === 'any' || check.status === state)
              .map((check) => checkView(check, catalog.node.name))
          : [],
      }),
    );
  });
  add('GET', '/v1/health/node/:node', (ctx) => {
    rejectFilter(ctx);
    const node = ctx.params[0] ?? '';
    return blocking(
      ctx,
      () => catalog.checksTableIndex,
      () => ({
        json:
          readable(ctx) && node === catalog.node.name
            ? catalog.allChecks().map((check) => checkView(check, catalog.node.name))
            : [],
      }),
    );
  });

  // ---- catalog ------------------------------------------------------------------------------
  add('GET', '/v1/catalog/services', (ctx) => {
    rejectFilter(ctx);
    return blocking(
      ctx,
      () => catalog.servicesTableIndex,
      () => {
        const out: Record<string, string[]> = {};
        if (readable(ctx)) {
          for (const service of catalog.allServices()) {
            const tags = new Set([...(out[service.name] ?? []), ...service.tags]);
            out[service.name] = [...tags].sort();
          }
        }
        return { json: out };
      },
    );
  });
  add('GET', '/v1/catalog/service/:name', (ctx) => {
    rejectFilter(ctx);
    const name = ctx.params[0] ?? '';
    const tags = ctx.query.getAll('tag');
    return blocking(
      ctx,
      () => catalog.indexOfName(name),
      () => ({
        json: readable(ctx, 'service', name)
          ? catalog
              .instancesOf(name)
              .filter((service) => hasAllTags(service, tags))
              .map((service) => catalogServiceView(catalog, service))
          : [],
      }),
    );
  });
  add('GET', '/v1/catalog/nodes', (ctx) => {
    rejectFilter(ctx);
    return blocking(
      ctx,
      () => catalog.node.modifyIndex,
      () => ({
        json: readable(ctx) ? [nodeView(catalog.node)] : [],
      }),
    );
  });

  // ---- KV -----------------------------------------------------------------------------------
  add('GET', '/v1/kv/:rest', (ctx) => {
    const key = decodeKey(ctx.params[0]);
    const keysOnly = ctx.query.has('keys');
    const recurse = keysOnly || ctx.query.has('recurse');
    authorize(ctx, 'key', 'read', key);
    return blocking(
      ctx,
      () => kv.indexFor(key, recurse),
      () => {
        if (keysOnly) {
          const keys = kv.keys(key, ctx.query.get('separator') ?? undefined);
          return keys.length ? { json: keys } : { status: 404 };
        }
        if (recurse) {
          const entries = kv.list(key);
          return entries.length ? { json: entries.map(kvView) } : { status: 404 };
        }
        const entry = kv.get(key);
        if (!entry) return { status: 404 };
        if (ctx.query.has('raw')) return { raw: entry.value };
        return { json: [kvView(entry)] };
      },
    );
  });
  add('PUT', '/v1/kv/:rest', async (ctx) => {
    const key = decodeKey(ctx.params[0]);
    authorize(ctx, 'key', 'write', key);
    if (ctx.query.has('acquire') || ctx.query.has('release')) {
      throw badRequest('sessions (acquire/release) are not implemented by consul-double');
    }
    const cas = optionalUint(ctx.query, 'cas');
    const flags = ctx.query.get('flags');
    if (flags !== null && !/^\d+$/.test(flags)) throw badRequest(`Invalid flags: ${flags}`);
    const value = await ctx.body();
    return {
      json: kv.put(key, value, {
        cas: cas === undefined ? undefined : Number(cas),
        flags: flags === null ? 0n : BigInt(flags),
      }),
    };
  });
  add('DELETE', '/v1/kv/:rest', (ctx) => {
    const key = decodeKey(ctx.params[0]);
    authorize(ctx, 'key', 'write', key);
    const cas = optionalUint(ctx.query, 'cas');
    return {
      json: kv.delete(key, {
        recurse: ctx.query.has('recurse'),
        cas: cas === undefined ? undefined : Number(cas),
      }),
    };
  });

  // ---- config entries -----------------------------------------------------------------------
  add('PUT', '/v1/config', async (ctx) => {
    const body = Fields.parseJson((await ctx.body()).toString('utf8'), 'config entry');
    authorize(ctx, 'mesh', 'write');
    const cas = optionalUint(ctx.query, 'cas');
    return { json: config.apply(body, cas === undefined ? undefined : Number(cas)) };
  });
  add('GET', '/v1/config/:kind', (ctx) => {
    const kind = requireKind(decodeURIComponent(ctx.params[0] ?? ''));
    return blocking(
      ctx,
      () => config.indexOf(kind),
      () => ({
        json: readable(ctx) ? config.list(kind) : [],
      }),
    );
  });
  add('GET', '/v1/config/:kind/:name', (ctx) => {
    const kind = requireKind(decodeURIComponent(ctx.params[0] ?? ''));
    const name = decodeURIComponent(ctx.params[1] ?? '');
    authorize(ctx, 'service', 'read', name);
    return blocking(
      ctx,
      () => config.indexOf(kind),
      () => {
        const entry = config.get(kind, name);
        if (!entry) {
          return { status: 404, text: `Config entry not found for "${kind}" / "${name}"` };
        }
        return { json: entry };
      },
    );
  });
  add('DELETE', '/v1/config/:kind/:name', (ctx) => {
    const kind = requireKind(decodeURIComponent(ctx.params[0] ?? ''));
    const name = decodeURIComponent(ctx.params[1] ?? '');
    authorize(ctx, 'mesh', 'write');
    const cas = optionalUint(ctx.query, 'cas');
    const deleted = config.delete(kind, name, cas === undefined ? undefined : Number(cas));
    // Consul answers a plain delete with {} and a cas delete with the boolean.
    return { json: cas === undefined ? {} : deleted };
  });

  return routes;
}

export function matchRoute(
  routes: Route[],
  method: string,
  path: string,
): { handler: Handler; params: string[] } | { allowed: string[] } | undefined {
  const allowed: string[] = [];
  const exact = routes.filter((route) => route.exact && route.pattern.test(path));
  for (const route of exact.length ? exact : routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method === method) return { handler: route.handler, params: match.slice(1) };
    allowed.push(route.method);
  }
  return allowed.length ? { allowed } : undefined;
}

function kvView(entry: KvEntry): Record<string, unknown> {
  return {
    LockIndex: entry.lockIndex,
    Key: entry.key,
    Flags: Number(entry.flags),
    Value: entry.value.length ? entry.value.toString('base64') : null,
    CreateIndex: entry.createIndex,
    ModifyIndex: entry.modifyIndex,
  };
}

function decodeKey(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? '');
  } catch {
    throw badRequest('Invalid key encoding');
  }
}

function optionalUint(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (!/^\d+$/.test(value)) throw badRequest(`Invalid ${name} index: ${value}`);
  return value;
}

function flag(query: URLSearchParams, name: string): boolean {
  if (!query.has(name)) return false;
  const value = query.get(name);
  return value === '' || value === null || !['0', 'false'].includes(value.toLowerCase());
}

function rejectFilter(ctx: RouteContext): void {
  if (ctx.query.get('filter')) {
    throw badRequest('filter expressions are not implemented by consul-double');
  }
}

function aggregate(statuses: CheckStatus[]): CheckStatus {
  if (statuses.includes('critical')) return 'critical';
  if (statuses.includes('warning')) return 'warning';
  return 'passing';
}

function statusCodeOf(status: CheckStatus): number {
  return status === 'passing' ? 200 : status === 'warning' ? 429 : 503;
}

function agentSelf(state: State) {
  const node = state.catalog.node;
  return {
    Config: {
      Datacenter: node.datacenter,
      PrimaryDatacenter: node.datacenter,
      NodeName: node.name,
      NodeID: node.id,
      Server: true,
      Revision: 'consul-double',
      Version: state.version,
    },
    DebugConfig: {},
    Coord: null,
    Member: {
      Name: node.name,
      Addr: node.address,
      Port: 8301,
      Tags: { dc: node.datacenter, role: 'consul', build: state.version, port: '8300' },
      Status: 1,
    },
    Meta: { 'consul-network-segment': '' },
    xDS: null,
  };
}
