import { ConsulDoubleError } from '../errors.js';
import type { Reply, RouteContext } from '../http-routes.js';
import type { AclGate } from '../acl.js';
import type { AclStore, AuthMethod, Policy, Role, Token } from './acl-store.js';

type Handler = (ctx: RouteContext) => Reply | Promise<Reply>;
export interface AclRoute {
  method: string;
  path: string;
  handler: Handler;
}

async function jsonBody(ctx: RouteContext, what: string): Promise<Record<string, unknown>> {
  const text = (await ctx.body()).toString('utf8');
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch (error) {
    throw new ConsulDoubleError(400, `${what} decoding failed: ${(error as Error).message}`);
  }
  throw new ConsulDoubleError(400, `${what} decoding failed: not an object`);
}

const policyStub = (p: Policy) => ({
  ID: p.ID,
  Name: p.Name,
  Description: p.Description,
  Datacenters: p.Datacenters,
  Hash: p.Hash,
  CreateIndex: p.CreateIndex,
  ModifyIndex: p.ModifyIndex,
});
const methodStub = (m: AuthMethod) => ({
  Name: m.Name,
  Type: m.Type,
  DisplayName: m.DisplayName,
  Description: m.Description,
  MaxTokenTTL: m.MaxTokenTTL,
  TokenLocality: m.TokenLocality,
  CreateIndex: m.CreateIndex,
  ModifyIndex: m.ModifyIndex,
});
const tokenStub = ({ SecretID: _secret, ...rest }: Token) => rest;
const NOT_FOUND: Reply = { status: 404 };

/**
 * The /v1/acl endpoints for policies, roles, auth methods, binding rules, tokens, login and
 * logout (agent/acl_endpoint.go). With ACLs off every one answers 401 "ACL support disabled"
 * (`checkACLDisabled`). Reads need acl:read, writes acl:write; login and logout need no token.
 */
export function aclAuthRoutes(gate: AclGate): AclRoute[] {
  const routes: AclRoute[] = [];
  const guarded =
    (
      level: 'read' | 'write' | 'none',
      handler: (store: AclStore, ctx: RouteContext) => Reply | Promise<Reply>,
    ) =>
    (ctx: RouteContext) => {
      const store = gate.store;
      if (!store) return { status: 401, text: 'ACL support disabled' };
      if (level !== 'none') gate.authorize(ctx.caller, 'acl', level);
      return handler(store, ctx);
    };
  const add = (
    method: string,
    path: string,
    level: 'read' | 'write' | 'none',
    handler: (store: AclStore, ctx: RouteContext) => Reply | Promise<Reply>,
  ) => routes.push({ method, path, handler: guarded(level, handler) });
  const param = (ctx: RouteContext) => decodeURIComponent(ctx.params[0] ?? '');

  add('PUT', '/v1/acl/policy', 'write', async (s, ctx) => {
    const body = await jsonBody(ctx, 'Policy');
    if (body['ID']) {
      throw new ConsulDoubleError(400, 'Cannot specify the ID when creating a new policy');
    }
    return { json: s.setPolicy(body) };
  });
  add('GET', '/v1/acl/policies', 'read', (s) => ({
    json: [...s.policies.values()].map(policyStub),
  }));
  add('GET', '/v1/acl/policy/name/:name', 'read', (s, ctx) => {
    const policy = s.policyByName(param(ctx));
    if (!policy) throw new ConsulDoubleError(403, 'ACL not found');
    return { json: policy };
  });
  add('GET', '/v1/acl/policy/:id', 'read', (s, ctx) => {
    const policy = s.policies.get(param(ctx));
    if (!policy) throw new ConsulDoubleError(403, 'ACL not found');
    return { json: policy };
  });
  add('PUT', '/v1/acl/policy/:id', 'write', async (s, ctx) => ({
    json: s.setPolicy(await jsonBody(ctx, 'Policy'), param(ctx)),
  }));
  add('DELETE', '/v1/acl/policy/:id', 'write', (s, ctx) => {
    s.deletePolicy(param(ctx));
    return { json: true };
  });

  add('PUT', '/v1/acl/role', 'write', async (s, ctx) => ({
    json: s.setRole(await jsonBody(ctx, 'Role')),
  }));
  add('GET', '/v1/acl/roles', 'read', (s) => ({ json: [...s.roles.values()] }));
  const roleReply = (role: Role | undefined): Reply => (role ? { json: role } : NOT_FOUND);
  add('GET', '/v1/acl/role/name/:name', 'read', (s, ctx) => roleReply(s.roleByName(param(ctx))));
  add('GET', '/v1/acl/role/:id', 'read', (s, ctx) => roleReply(s.roles.get(param(ctx))));
  add('PUT', '/v1/acl/role/:id', 'write', async (s, ctx) => ({
    json: s.setRole(await jsonBody(ctx, 'Role'), param(ctx)),
  }));
  add('DELETE', '/v1/acl/role/:id', 'write', (s, ctx) => {
    s.roles.delete(param(ctx));
    return { json: true };
  });

  add('PUT', '/v1/acl/auth-method', 'write', async (s, ctx) => ({
    json: s.setAuthMethod(await jsonBody(ctx, 'AuthMethod')),
  }));
  add('GET', '/v1/acl/auth-methods', 'read', (s) => ({
    json: [...s.methods.values()].map(methodStub),
  }));
  add('GET', '/v1/acl/auth-method/:name', 'read', (s, ctx) => {
    const method = s.methods.get(param(ctx));
    return method ? { json: method } : NOT_FOUND;
  });
  add('PUT', '/v1/acl/auth-method/:name', 'write', async (s, ctx) => {
    const body = await jsonBody(ctx, 'AuthMethod');
    if (body['Name'] && body['Name'] !== param(ctx)) {
      throw new ConsulDoubleError(400, 'AuthMethod Name in URL and payload do not match');
    }
    return { json: s.setAuthMethod(body, param(ctx)) };
  });
  add('DELETE', '/v1/acl/auth-method/:name', 'write', (s, ctx) => {
    s.deleteAuthMethod(param(ctx));
    return { json: true };
  });

  add('PUT', '/v1/acl/binding-rule', 'write', async (s, ctx) => ({
    json: s.setBindingRule(await jsonBody(ctx, 'BindingRule')),
  }));
  add('GET', '/v1/acl/binding-rules', 'read', (s, ctx) => {
    const method = ctx.query.get('authmethod');
    return { json: [...s.rules.values()].filter((r) => !method || r.AuthMethod === method) };
  });
  add('GET', '/v1/acl/binding-rule/:id', 'read', (s, ctx) => {
    const rule = s.rules.get(param(ctx));
    return rule ? { json: rule } : NOT_FOUND;
  });
  add('PUT', '/v1/acl/binding-rule/:id', 'write', async (s, ctx) => ({
    json: s.setBindingRule(await jsonBody(ctx, 'BindingRule'), param(ctx)),
  }));
  add('DELETE', '/v1/acl/binding-rule/:id', 'write', (s, ctx) => {
    s.rules.delete(param(ctx));
    return { json: true };
  });

  add('PUT', '/v1/acl/token', 'write', async (s, ctx) => ({
    json: s.setToken(await jsonBody(ctx, 'Token')),
  }));
  add('GET', '/v1/acl/tokens', 'read', (s) => ({ json: [...s.tokens.values()].map(tokenStub) }));
  add('GET', '/v1/acl/token/self', 'none', (s, ctx) => {
    const token = ctx.caller.kind === 'token' ? s.tokens.get(ctx.caller.accessorId) : undefined;
    if (!token) throw new ConsulDoubleError(403, 'ACL not found');
    return { json: token };
  });
  add('GET', '/v1/acl/token/:id', 'read', (s, ctx) => {
    const token = s.tokens.get(param(ctx));
    if (!token) throw new ConsulDoubleError(403, 'ACL not found');
    return { json: token };
  });
  add('DELETE', '/v1/acl/token/:id', 'write', (s, ctx) => {
    s.tokens.delete(param(ctx));
    return { json: true };
  });

  add('PUT', '/v1/acl/login', 'none', async (s, ctx) => ({
    json: await s.login(await jsonBody(ctx, 'Failed to decode request body:')),
  }));
  add('PUT', '/v1/acl/logout', 'none', (s, ctx) => {
    const secret = gate.tokenOf(ctx.request.headers, ctx.query);
    if (!secret) throw new ConsulDoubleError(403, 'ACL not found');
    s.logout(secret);
    return { json: true };
  });
  return routes;
}
