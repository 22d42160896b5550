import type { ConsulClient } from '@flowstack/consul';
import { z } from 'zod';
import {
  authMethod,
  bindingRules,
  roles,
  type AclObjectOptions,
  type DesiredBindingRule,
  type DesiredRole,
} from './acl-objects.js';
import { contains, type Change } from './bootstrap.js';

const roleSchema = z
  .object({
    ID: z.string(),
    Name: z.string(),
    Policies: z.array(z.object({ Name: z.string() }).loose()).nullish(),
    ServiceIdentities: z.array(z.object({ ServiceName: z.string() }).loose()).nullish(),
  })
  .loose();
const ruleSchema = z.array(
  z
    .object({
      ID: z.string(),
      AuthMethod: z.string(),
      BindType: z.string(),
      BindName: z.string(),
      Selector: z.string().nullish(),
    })
    .loose(),
);

async function send(
  client: ConsulClient,
  method: 'PUT',
  path: string,
  body: unknown,
  what: string,
): Promise<void> {
  const { status, text } = await client.request(method, path, body);
  if (status !== 200) throw new Error(`writing ${what}: ${status} ${text}`);
}

function sameRole(current: z.output<typeof roleSchema>, desired: DesiredRole): boolean {
  const names = (list: { Name: string }[] | null | undefined) =>
    (list ?? []).map((p) => p.Name).sort();
  const services = (current.ServiceIdentities ?? []).map((s) => s.ServiceName).sort();
  return (
    JSON.stringify(names(current.Policies)) === JSON.stringify([...desired.Policies].sort()) &&
    JSON.stringify(services) === JSON.stringify([...desired.ServiceIdentities].sort())
  );
}

function roleBody(role: DesiredRole) {
  return {
    Name: role.Name,
    Description: role.Description,
    Policies: role.Policies.map((Name) => ({ Name })),
    ServiceIdentities: role.ServiceIdentities.map((ServiceName) => ({ ServiceName })),
  };
}

/** Roles by name: created, or put back when their policies or service identities drifted. */
export async function applyRoles(client: ConsulClient, desired: DesiredRole[]): Promise<Change[]> {
  const changes: Change[] = [];
  for (const role of desired) {
    const current = await client.request(
      'GET',
      `/v1/acl/role/name/${encodeURIComponent(role.Name)}`,
    );
    if (current.status === 200) {
      const existing = roleSchema.parse(JSON.parse(current.text));
      if (sameRole(existing, role)) {
        changes.push({ kind: 'acl-role', name: role.Name, action: 'unchanged' });
        continue;
      }
      await send(
        client,
        'PUT',
        `/v1/acl/role/${existing.ID}`,
        roleBody(role),
        `ACL role ${role.Name}`,
      );
      changes.push({ kind: 'acl-role', name: role.Name, action: 'updated' });
      continue;
    }
    if (current.status !== 404) {
      throw new Error(`reading ACL role ${role.Name}: ${current.status} ${current.text}`);
    }
    await send(client, 'PUT', '/v1/acl/role', roleBody(role), `ACL role ${role.Name}`);
    changes.push({ kind: 'acl-role', name: role.Name, action: 'created' });
  }
  return changes;
}

/**
 * The JWT auth method Nomad's workload identities log in with and its binding rules, as
 * `nomad setup consul` makes them. A rule counts as present when one with the same method, bind
 * type, bind name and selector exists (setup_consul.go `bindingRuleExists`).
 */
export async function applyAuthMethod(
  client: ConsulClient,
  options: AclObjectOptions,
): Promise<Change[]> {
  const changes: Change[] = [];
  const method = authMethod(options);
  const current = await client.request('GET', `/v1/acl/auth-method/${method.Name}`);
  if (current.status === 200) {
    if (contains(JSON.parse(current.text), method)) {
      changes.push({ kind: 'acl-auth-method', name: method.Name, action: 'unchanged' });
    } else {
      await send(
        client,
        'PUT',
        `/v1/acl/auth-method/${method.Name}`,
        method,
        `auth method ${method.Name}`,
      );
      changes.push({ kind: 'acl-auth-method', name: method.Name, action: 'updated' });
    }
  } else if (current.status === 404) {
    const created = await client.request('PUT', '/v1/acl/auth-method', method);
    if (created.status !== 200) {
      const hint = /JWKS/i.test(created.text)
        ? ' (is the JWKS URL reachable from Consul, and --nomad-jwks-ca-file the CA of a TLS Nomad?)'
        : '';
      throw new Error(
        `writing auth method ${method.Name}: ${created.status} ${created.text}${hint}`,
      );
    }
    changes.push({ kind: 'acl-auth-method', name: method.Name, action: 'created' });
  } else {
    throw new Error(`reading auth method ${method.Name}: ${current.status} ${current.text}`);
  }

  const listed = await client.request('GET', `/v1/acl/binding-rules?authmethod=${method.Name}`);
  if (listed.status !== 200) {
    throw new Error(`listing binding rules: ${listed.status} ${listed.text}`);
  }
  const existing = ruleSchema.parse(JSON.parse(listed.text));
  const same = (rule: DesiredBindingRule) => (r: z.output<typeof ruleSchema>[number]) =>
    r.AuthMethod === rule.AuthMethod &&
    r.BindType === rule.BindType &&
    r.BindName === rule.BindName &&
    (r.Selector ?? '') === rule.Selector;
  for (const rule of bindingRules(options)) {
    const name = `${rule.BindType} ${rule.BindName}`;
    if (existing.some(same(rule))) {
      changes.push({ kind: 'acl-binding-rule', name, action: 'unchanged' });
      continue;
    }
    await send(client, 'PUT', '/v1/acl/binding-rule', rule, `binding rule ${name}`);
    changes.push({ kind: 'acl-binding-rule', name, action: 'created' });
  }
  return changes;
}

export { roles };
