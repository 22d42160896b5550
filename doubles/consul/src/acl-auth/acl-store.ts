import { createHash, randomUUID } from 'node:crypto';
import type { ChangeIndex } from '../change-index.js';
import { badRequest, ConsulDoubleError } from '../errors.js';
import { Authorizer, parseRules, serviceIdentityRules, type ParsedRules } from './acl-rules.js';
import { validateJwtConfig, verifyLogin, type JwtMethodConfig } from './jwt-login.js';
import { selectorMatches } from './selector.js';

export const GLOBAL_MANAGEMENT_POLICY_ID = '00000000-0000-0000-0000-000000000001';

interface Indexed {
  CreateIndex: number;
  ModifyIndex: number;
}
export interface Link {
  ID: string;
  Name: string;
}
export interface ServiceIdentity {
  ServiceName: string;
  Datacenters?: string[];
}
export interface TemplatedPolicy {
  TemplateName: string;
  TemplateVariables?: { Name: string };
}
export interface Policy extends Indexed {
  ID: string;
  Name: string;
  Description: string;
  Rules: string;
  Datacenters: string[] | null;
  Hash: string;
}
export interface Role extends Indexed {
  ID: string;
  Name: string;
  Description: string;
  Policies: Link[];
  ServiceIdentities: ServiceIdentity[];
  TemplatedPolicies: TemplatedPolicy[];
  Hash: string;
}
export interface AuthMethod extends Indexed {
  Name: string;
  Type: string;
  DisplayName: string;
  Description: string;
  MaxTokenTTL: string;
  TokenLocality: string;
  Config: JwtMethodConfig;
}
export interface BindingRule extends Indexed {
  ID: string;
  Description: string;
  AuthMethod: string;
  Selector: string;
  BindType: 'service' | 'role' | 'templated-policy' | 'node' | 'policy';
  BindName: string;
  BindVars?: { Name: string };
}
export interface Token extends Indexed {
  AccessorID: string;
  SecretID: string;
  Description: string;
  Policies: Link[];
  Roles: Link[];
  ServiceIdentities: ServiceIdentity[];
  TemplatedPolicies: TemplatedPolicy[];
  Local: boolean;
  AuthMethod?: string;
  CreateTime: string;
  Hash: string;
}

const NAME = /^[A-Za-z0-9\-_]{1,128}$/;
const SERVICE_NAME = /^[a-z0-9]([a-z0-9\-_]*[a-z0-9])?$/;
const BIND_TYPES = ['service', 'role', 'templated-policy', 'node', 'policy'] as const;

const hashOf = (value: unknown) =>
  createHash('sha256').update(JSON.stringify(value)).digest('base64');

type Obj = Record<string, unknown>;
const str = (body: Obj, key: string): string => {
  const value = body[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw badRequest(`Request decode failed: ${key} must be a string`);
  return value;
};
const arr = (body: Obj, key: string): Obj[] => {
  const value = body[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest(`Request decode failed: ${key} must be an array`);
  return value as Obj[];
};

/**
 * Consul's ACL objects for one datacenter: policies, roles, auth methods, binding rules and
 * tokens, with login through a JWT auth method. Error texts and statuses follow Consul's HTTP
 * layer (agent/acl_endpoint.go): unknown policy or token -> 403 "ACL not found", unknown role,
 * auth method or binding rule -> 404 with an empty body, errors of the RPC layer -> 500 with
 * their text.
 */
export class AclStore {
  readonly policies = new Map<string, Policy>();
  readonly roles = new Map<string, Role>();
  readonly methods = new Map<string, AuthMethod>();
  readonly rules = new Map<string, BindingRule>();
  readonly tokens = new Map<string, Token>();
  private readonly parsed = new Map<string, ParsedRules>();

  constructor(
    private readonly changes: ChangeIndex,
    private readonly now: () => number = Date.now,
  ) {
    const index = changes.next();
    this.policies.set(GLOBAL_MANAGEMENT_POLICY_ID, {
      ID: GLOBAL_MANAGEMENT_POLICY_ID,
      Name: 'global-management',
      Description: 'Builtin Policy that grants unlimited access',
      Rules: '',
      Datacenters: null,
      Hash: hashOf('global-management'),
      CreateIndex: index,
      ModifyIndex: index,
    });
  }

  private indexes(existing?: Indexed): Indexed {
    const index = this.changes.next();
    return { CreateIndex: existing?.CreateIndex ?? index, ModifyIndex: index };
  }

  // ---- policies ----------------------------------------------------------------------------
  setPolicy(body: Obj, id?: string): Policy {
    const name = str(body, 'Name');
    if (!NAME.test(name)) throw new ConsulDoubleError(500, 'Invalid Policy: invalid Name');
    const existing = id === undefined ? undefined : this.policies.get(id);
    if (id !== undefined && !existing) {
      throw new ConsulDoubleError(500, `Cannot find policy ${id}`);
    }
    if (existing?.ID === GLOBAL_MANAGEMENT_POLICY_ID) {
      throw new ConsulDoubleError(
        500,
        'Changing the Rules for the builtin global-management policy is not permitted',
      );
    }
    const clash = this.policyByName(name);
    if (clash && clash.ID !== existing?.ID) {
      throw new ConsulDoubleError(
        500,
        `Invalid Policy: A Policy with Name "${name}" already exists`,
      );
    }
    const rules = str(body, 'Rules');
    const parsed = parseRules(rules);
    const policy: Policy = {
      ID: existing?.ID ?? randomUUID(),
      Name: name,
      Description: str(body, 'Description'),
      Rules: rules,
      Datacenters: null,
      Hash: hashOf([name, rules]),
      ...this.indexes(existing),
    };
    this.policies.set(policy.ID, policy);
    this.parsed.set(policy.ID, parsed);
    this.changes.notify();
    return policy;
  }

  policyByName(name: string): Policy | undefined {
    return [...this.policies.values()].find((p) => p.Name === name);
  }

  deletePolicy(id: string): void {
    if (id === GLOBAL_MANAGEMENT_POLICY_ID) {
      throw new ConsulDoubleError(
        500,
        'Delete operation not permitted on the builtin global-management policy',
      );
    }
    this.policies.delete(id);
    this.parsed.delete(id);
  }

  private links(
    body: Obj,
    key: string,
    lookup: (id: string, name: string) => Link | undefined,
  ): Link[] {
    return arr(body, key).map((item) => {
      const found = lookup(str(item, 'ID'), str(item, 'Name'));
      if (!found) {
        const which = str(item, 'ID') || str(item, 'Name');
        throw new ConsulDoubleError(
          500,
          `${key === 'Policies' ? 'Policy' : 'Role'} not found: ${which}`,
        );
      }
      return found;
    });
  }

  private policyLink = (id: string, name: string): Link | undefined => {
    const policy = id ? this.policies.get(id) : this.policyByName(name);
    return policy && { ID: policy.ID, Name: policy.Name };
  };

  private roleLink = (id: string, name: string): Link | undefined => {
    const role = id ? this.roles.get(id) : this.roleByName(name);
    return role && { ID: role.ID, Name: role.Name };
  };

  private serviceIdentities(body: Obj): ServiceIdentity[] {
    return arr(body, 'ServiceIdentities').map((item) => {
      const name = str(item, 'ServiceName');
      if (!SERVICE_NAME.test(name)) {
        throw new ConsulDoubleError(500, `Invalid ServiceIdentity: invalid ServiceName "${name}"`);
      }
      return { ServiceName: name };
    });
  }

  private templatedPolicies(body: Obj): TemplatedPolicy[] {
    return arr(body, 'TemplatedPolicies').map((item) => {
      const template = str(item, 'TemplateName');
      if (template !== 'builtin/service') {
        throw new ConsulDoubleError(
          500,
          `templated policy "${template}" is not implemented by consul-double`,
        );
      }
      const vars = (item['TemplateVariables'] ?? {}) as Obj;
      return { TemplateName: template, TemplateVariables: { Name: str(vars, 'Name') } };
    });
  }

  // ---- roles -------------------------------------------------------------------------------
  setRole(body: Obj, id?: string): Role {
    const name = str(body, 'Name');
    if (!NAME.test(name)) throw new ConsulDoubleError(500, 'Invalid Role: invalid Name');
    const existing = id ? this.roles.get(id) : undefined;
    if (id && !existing) throw new ConsulDoubleError(500, `Cannot find role ${id}`);
    const clash = this.roleByName(name);
    if (clash && clash.ID !== existing?.ID) {
      throw new ConsulDoubleError(500, `Invalid Role: A Role with Name "${name}" already exists`);
    }
    const content = {
      Policies: this.links(body, 'Policies', this.policyLink),
      ServiceIdentities: this.serviceIdentities(body),
      TemplatedPolicies: this.templatedPolicies(body),
    };
    const role: Role = {
      ID: existing?.ID ?? randomUUID(),
      Name: name,
      Description: str(body, 'Description'),
      ...content,
      Hash: hashOf([name, content]),
      ...this.indexes(existing),
    };
    this.roles.set(role.ID, role);
    this.changes.notify();
    return role;
  }

  roleByName(name: string): Role | undefined {
    return [...this.roles.values()].find((r) => r.Name === name);
  }

  // ---- auth methods ------------------------------------------------------------------------
  setAuthMethod(body: Obj, name?: string): AuthMethod {
    const methodName = name ?? str(body, 'Name');
    if (!NAME.test(methodName)) {
      throw new ConsulDoubleError(500, 'Invalid Auth Method: invalid Name');
    }
    const type = str(body, 'Type');
    if (type !== 'jwt') {
      throw new ConsulDoubleError(
        500,
        `Invalid Auth Method: Type should be one of: [jwt] (consul-double implements jwt only), got "${type}"`,
      );
    }
    const config = (body['Config'] ?? {}) as JwtMethodConfig;
    validateJwtConfig(config);
    const existing = this.methods.get(methodName);
    const method: AuthMethod = {
      Name: methodName,
      Type: type,
      DisplayName: str(body, 'DisplayName'),
      Description: str(body, 'Description'),
      MaxTokenTTL: str(body, 'MaxTokenTTL') || '0s',
      TokenLocality: str(body, 'TokenLocality'),
      Config: config,
      ...this.indexes(existing),
    };
    this.methods.set(methodName, method);
    this.changes.notify();
    return method;
  }

  deleteAuthMethod(name: string): void {
    this.methods.delete(name);
    for (const [id, rule] of this.rules) if (rule.AuthMethod === name) this.rules.delete(id);
    for (const [id, token] of this.tokens) if (token.AuthMethod === name) this.tokens.delete(id);
  }

  // ---- binding rules -----------------------------------------------------------------------
  setBindingRule(body: Obj, id?: string): BindingRule {
    const existing = id ? this.rules.get(id) : undefined;
    if (id && !existing) throw new ConsulDoubleError(500, `Cannot find binding rule ${id}`);
    const method = str(body, 'AuthMethod') || existing?.AuthMethod || '';
    if (!this.methods.has(method)) {
      throw new ConsulDoubleError(500, `Invalid Binding Rule: unknown auth method "${method}"`);
    }
    const bindType = str(body, 'BindType') as BindingRule['BindType'];
    if (!(BIND_TYPES as readonly string[]).includes(bindType)) {
      throw new ConsulDoubleError(500, `Invalid Binding Rule: unknown BindType "${bindType}"`);
    }
    const bindName = str(body, 'BindName');
    if (bindType !== 'templated-policy' && bindName === '') {
      throw new ConsulDoubleError(500, 'Invalid Binding Rule: no BindName is set');
    }
    const selector = str(body, 'Selector');
    selectorMatches(selector, { value: {}, list: {} });
    const vars = body['BindVars'] as Obj | undefined;
    const rule: BindingRule = {
      ID: existing?.ID ?? randomUUID(),
      Description: str(body, 'Description'),
      AuthMethod: method,
      Selector: selector,
      BindType: bindType,
      BindName: bindName,
      ...(vars ? { BindVars: { Name: str(vars, 'Name') } } : {}),
      ...this.indexes(existing),
    };
    this.rules.set(rule.ID, rule);
    this.changes.notify();
    return rule;
  }

  // ---- tokens ------------------------------------------------------------------------------
  setToken(body: Obj): Token {
    const content = {
      Policies: this.links(body, 'Policies', this.policyLink),
      Roles: this.links(body, 'Roles', this.roleLink),
      ServiceIdentities: this.serviceIdentities(body),
      TemplatedPolicies: this.templatedPolicies(body),
    };
    return this.addToken(str(body, 'Description'), content, body['Local'] === true);
  }

  private addToken(
    description: string,
    content: Pick<Token, 'Policies' | 'Roles' | 'ServiceIdentities' | 'TemplatedPolicies'>,
    local: boolean,
    authMethod?: string,
  ): Token {
    const token: Token = {
      AccessorID: randomUUID(),
      SecretID: randomUUID(),
      Description: description,
      ...content,
      Local: local,
      ...(authMethod === undefined ? {} : { AuthMethod: authMethod }),
      CreateTime: new Date(this.now()).toISOString(),
      Hash: hashOf(content),
      ...this.indexes(),
    };
    this.tokens.set(token.AccessorID, token);
    this.changes.notify();
    return token;
  }

  tokenBySecret(secret: string): Token | undefined {
    return [...this.tokens.values()].find((t) => t.SecretID === secret);
  }

  /** What a token may do: its policies, roles (and theirs), service identities. */
  authorizerFor(token: Token): Authorizer | 'management' {
    const policyIds = new Set(token.Policies.map((p) => p.ID));
    const identities = [...token.ServiceIdentities.map((s) => s.ServiceName)];
    const templated = [...token.TemplatedPolicies];
    for (const link of token.Roles) {
      const role = this.roles.get(link.ID);
      if (!role) continue;
      for (const p of role.Policies) policyIds.add(p.ID);
      identities.push(...role.ServiceIdentities.map((s) => s.ServiceName));
      templated.push(...role.TemplatedPolicies);
    }
    if (policyIds.has(GLOBAL_MANAGEMENT_POLICY_ID)) return 'management';
    identities.push(...templated.map((t) => t.TemplateVariables?.Name ?? ''));
    const parts = [...policyIds].flatMap((id) => {
      const parsed = this.parsed.get(id);
      return parsed ? [parsed] : [];
    });
    for (const name of identities) parts.push(parseRules(serviceIdentityRules(name)));
    return new Authorizer(parts);
  }

  // ---- login -------------------------------------------------------------------------------
  /**
   * ACL.Login (agent/consul/acl_endpoint.go): verify the bearer token with the method, run the
   * method's binding rules over the projected claims, and mint a local token with what they
   * bind; no binding at all is "Permission denied".
   */
  async login(body: Obj): Promise<Token> {
    const methodName = str(body, 'AuthMethod');
    const method = this.methods.get(methodName);
    if (!method) {
      throw new ConsulDoubleError(403, `ACL not found: auth method "${methodName}" not found`);
    }
    const identity = await verifyLogin(method.Config, str(body, 'BearerToken'), this.now() / 1000);
    const vars: Record<string, string> = {};
    for (const key of Object.values(method.Config.ClaimMappings ?? {})) vars[`value.${key}`] = '';
    for (const [key, value] of Object.entries(identity.value)) vars[`value.${key}`] = value;
    const render = (template: string) =>
      template.replace(/\$\{([^}]+)\}/g, (_all, name: string) => {
        const value = vars[name.trim()];
        if (value === undefined) {
          throw new ConsulDoubleError(500, `cannot compute bind name: unknown variable ${name}`);
        }
        return value;
      });
    const content: Pick<Token, 'Policies' | 'Roles' | 'ServiceIdentities' | 'TemplatedPolicies'> = {
      Policies: [],
      Roles: [],
      ServiceIdentities: [],
      TemplatedPolicies: [],
    };
    for (const rule of this.rules.values()) {
      if (rule.AuthMethod !== methodName || !selectorMatches(rule.Selector, identity)) continue;
      if (rule.BindType === 'service') {
        const name = render(rule.BindName);
        if (!SERVICE_NAME.test(name)) {
          throw new ConsulDoubleError(
            500,
            `cannot compute bind name: "${name}" is not a valid service identity name`,
          );
        }
        content.ServiceIdentities.push({ ServiceName: name });
      } else if (rule.BindType === 'role') {
        // A rule naming a role that does not exist binds nothing (Consul skips it).
        const role = this.roleByName(render(rule.BindName));
        if (role) content.Roles.push({ ID: role.ID, Name: role.Name });
      } else if (rule.BindType === 'policy') {
        const policy = this.policyByName(render(rule.BindName));
        if (policy) content.Policies.push({ ID: policy.ID, Name: policy.Name });
      } else if (rule.BindType === 'templated-policy') {
        content.TemplatedPolicies.push({
          TemplateName: rule.BindName,
          TemplateVariables: { Name: render(rule.BindVars?.Name ?? '') },
        });
      }
    }
    const bound =
      content.ServiceIdentities.length +
      content.Roles.length +
      content.Policies.length +
      content.TemplatedPolicies.length;
    if (bound === 0) throw new ConsulDoubleError(403, 'Permission denied');
    const meta = body['Meta'];
    const suffix =
      meta && typeof meta === 'object' && Object.keys(meta).length
        ? `: ${JSON.stringify(meta)}`
        : '';
    return this.addToken(
      `token created via login${suffix}`,
      content,
      method.TokenLocality !== 'global',
      methodName,
    );
  }

  /** ACL.Logout: only tokens made by a login may log out. */
  logout(secret: string): void {
    const token = this.tokenBySecret(secret);
    if (!token) throw new ConsulDoubleError(403, 'ACL not found');
    if (!token.AuthMethod) throw new ConsulDoubleError(403, 'Permission denied');
    this.tokens.delete(token.AccessorID);
  }
}
