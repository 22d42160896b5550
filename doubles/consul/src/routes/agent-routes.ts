import { Fields } from '../body-fields.js';
import { badRequest, notFound } from '../errors.js';
import {
  type CheckStatus,
  isCheckStatus,
  parseCheck,
  parseServiceRegistration,
} from '../registration.js';
import { checkView, serviceView } from '../views.js';
import { type RouteContext, type RouteKit, type State, rejectFilter } from './route-kit.js';

/** /v1/agent/*: self, members, services, local health and checks of the one node. */
export function registerAgentRoutes({ add, authorize, readable, state }: RouteKit): void {
  const { catalog, runner } = state;
  const dc = catalog.node.datacenter;

  add('GET', '/v1/agent/self', (ctx) => {
    authorize(ctx, 'agent', 'read', catalog.node.name);
    return { json: agentSelf(state) };
  });
  // agent_endpoint.go AgentToken: 401 with ACLs off, agent:write on the node, {"Token": "..."}.
  const tokenKinds: Record<string, string> = {
    default: 'default',
    acl_token: 'default',
    dns: 'dns',
    agent: 'agent',
    acl_agent_token: 'agent',
    agent_recovery: 'agent_recovery',
    agent_master: 'agent_recovery',
    acl_agent_master_token: 'agent_recovery',
    replication: 'replication',
    acl_replication_token: 'replication',
    config_file_service_registration: 'config_file_service_registration',
  };
  add('PUT', '/v1/agent/token/:kind', async (ctx) => {
    if (!state.acl.enabled) return { status: 401, text: 'ACL support disabled' };
    authorize(ctx, 'agent', 'write', catalog.node.name);
    const body = Fields.parseJson((await ctx.body()).toString('utf8'), 'token');
    const target = ctx.params[0] ?? '';
    const kind = Object.hasOwn(tokenKinds, target) ? tokenKinds[target] : undefined;
    if (kind === undefined) throw notFound(`Token ${JSON.stringify(target)} is unknown`);
    state.acl.agentTokens.set(kind, body.string('Token') ?? '');
    return {};
  });
  add('GET', '/v1/agent/members', (ctx) => ({
    json: readable(ctx) ? [agentSelf(state).Member] : [],
  }));

  add('PUT', '/v1/agent/service/register', async (ctx) => {
    const input = parseServiceRegistration(
      Fields.parseJson((await ctx.body()).toString('utf8'), 'service'),
    );
    // agent/acl.go vetServiceRegisterWithAuthorizer: write on the new name, on the name of the
    // instance an ID reuse would overwrite, and on a proxy's destination.
    authorize(ctx, 'service', 'write', input.name);
    const existing = catalog.getService(input.id);
    if (existing?.agentRegistered) authorize(ctx, 'service', 'write', existing.name);
    if (input.kind === 'connect-proxy' && input.proxyDestination !== undefined) {
      authorize(ctx, 'service', 'write', input.proxyDestination);
    }
    catalog.registerService(input, ctx.query.has('replace-existing-checks'));
    return {};
  });
  add('PUT', '/v1/agent/service/deregister/:id', (ctx) => {
    // agent/acl.go vetServiceUpdateWithAuthorizer: an unknown ID is 404 whatever the token; a
    // known one needs write on its service name.
    const id = ctx.params[0] ?? '';
    const service = catalog.getService(id);
    if (!service?.agentRegistered) {
      throw notFound(
        `Unknown service ID ${JSON.stringify(id)}. Ensure that the service ID is passed, not the service name.`,
      );
    }
    authorize(ctx, 'service', 'write', service.name);
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
    // vetCheckRegisterWithAuthorizer: and on the owner of a check the ID would overwrite.
    const overwritten = catalog.getCheck(input.checkId);
    if (overwritten) {
      authorize(
        ctx,
        overwritten.serviceName ? 'service' : 'node',
        'write',
        overwritten.serviceName || catalog.node.name,
      );
    }
    catalog.registerCheck(input);
    return {};
  });
  // agent/acl.go vetCheckUpdateWithAuthorizer: an unknown check is 404 whatever the token; a
  // known one needs write on its service (or on the node, for a node check).
  const vetCheckUpdate = (ctx: RouteContext, id: string) => {
    const check = catalog.getCheck(id);
    if (!check) {
      throw notFound(
        `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`,
      );
    }
    authorize(
      ctx,
      check.serviceName ? 'service' : 'node',
      'write',
      check.serviceName || catalog.node.name,
    );
    return check;
  };
  add('PUT', '/v1/agent/check/deregister/:id', (ctx) => {
    const check = vetCheckUpdate(ctx, ctx.params[0] ?? '');
    catalog.deregisterCheck(check.checkId);
    return {};
  });
  const ttlUpdate = (status: CheckStatus) => (ctx: RouteContext) => {
    const id = ctx.params[0] ?? '';
    vetCheckUpdate(ctx, id);
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
    // agent_endpoint.go AgentCheckUpdate names the status it refused.
    if (!isCheckStatus(status)) throw badRequest(`Invalid check status: '${status ?? ''}'`);
    vetCheckUpdate(ctx, id);
    runner.updateTtl(id, status, body.string('Output') ?? '');
    return {};
  });
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
