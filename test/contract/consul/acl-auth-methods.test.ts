import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsulTarget, externalAddr, startTarget, unique } from './harness.js';

/**
 * Consul's ACL objects and JWT login as Nomad workload identity uses them
 * (agent/acl_endpoint.go, agent/consul/acl_endpoint.go `Login`/`Logout`,
 * agent/consul/authmethod/ssoauth). The auth method checks signatures with a fixed public key
 * (JWTValidationPubKeys), so a real agent needs no network. Against an external server: one that
 * enforces ACLs, with a management token in CONSUL_HTTP_TOKEN.
 */
const enforcing = !externalAddr || Boolean(process.env.CONSUL_HTTP_TOKEN);

describe.skipIf(!enforcing)('ACL policies, roles, auth methods, binding rules and login', () => {
  let target: ConsulTarget;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const method = unique('ct-wi').replace(/[^A-Za-z0-9_-]/g, '-');
  const service = unique('svc')
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-');
  const roleName = unique('ct-role').replace(/[^A-Za-z0-9_-]/g, '-');

  const jwt = (claims: Record<string, string>, audience = 'consul.io') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256' })
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);

  const login = async (bearer: string) =>
    fetch(`${target.url}/v1/acl/login`, {
      method: 'POST',
      body: JSON.stringify({ AuthMethod: method, BearerToken: bearer }),
    });

  beforeAll(async () => {
    target = await startTarget({ aclToken: `mgmt-${unique('token')}` });
    const created = await target.fetch('/v1/acl/auth-method', {
      method: 'PUT',
      body: JSON.stringify({
        Name: method,
        Type: 'jwt',
        TokenLocality: 'local',
        Config: {
          JWTValidationPubKeys: [publicKey.export({ type: 'spki', format: 'pem' }).toString()],
          JWTSupportedAlgs: ['RS256'],
          BoundAudiences: ['consul.io'],
          ClaimMappings: { nomad_job_id: 'nomad_job_id', nomad_service: 'nomad_service' },
        },
      }),
    });
    expect(created.status).toBe(200);
    target.onCleanup(() => target.fetch(`/v1/acl/auth-method/${method}`, { method: 'DELETE' }));
    const role = await target.fetch('/v1/acl/role', {
      method: 'PUT',
      body: JSON.stringify({
        Name: roleName,
        ServiceIdentities: [{ ServiceName: `${service}-edge` }],
      }),
    });
    const { ID } = (await role.json()) as { ID: string };
    target.onCleanup(() => target.fetch(`/v1/acl/role/${ID}`, { method: 'DELETE' }));
    for (const rule of [
      {
        BindType: 'service',
        BindName: '${value.nomad_service}',
        Selector: '"nomad_service" in value',
      },
      {
        BindType: 'role',
        BindName: roleName,
        Selector: '"nomad_service" not in value and value.nomad_job_id == "edge"',
      },
    ]) {
      const res = await target.fetch('/v1/acl/binding-rule', {
        method: 'PUT',
        body: JSON.stringify({ AuthMethod: method, ...rule }),
      });
      expect(res.status).toBe(200);
    }
  });
  afterAll(async () => {
    await target?.stop();
  });

  it('when a policy is created, then it reads back by name; an unknown name is 403 "ACL not found"', async () => {
    const name = unique('ct-policy').replace(/[^A-Za-z0-9_-]/g, '-');
    const created = await target.fetch('/v1/acl/policy', {
      method: 'PUT',
      body: JSON.stringify({ Name: name, Rules: 'key_prefix "ct/" { policy = "read" }' }),
    });
    const { ID } = (await created.json()) as { ID: string };
    target.onCleanup(() => target.fetch(`/v1/acl/policy/${ID}`, { method: 'DELETE' }));
    const read = await target.fetch(`/v1/acl/policy/name/${name}`);
    expect(await read.json()).toMatchObject({
      ID,
      Name: name,
      Rules: 'key_prefix "ct/" { policy = "read" }',
    });
    const missing = await target.fetch(`/v1/acl/policy/name/${name}-missing`);
    expect([missing.status, await missing.text()]).toEqual([403, 'ACL not found']);
  });

  it('when an unknown role or auth method is read, then 404 with an empty body', async () => {
    for (const path of [
      `/v1/acl/role/name/${roleName}-missing`,
      `/v1/acl/auth-method/${method}-missing`,
    ]) {
      const res = await target.fetch(path);
      expect([path, res.status, await res.text()]).toEqual([path, 404, '']);
    }
  });

  it('when a service identity JWT logs in, then the token carries that service identity and may register only that service', async () => {
    const res = await login(await jwt({ nomad_job_id: 'web', nomad_service: service }));
    expect(res.status).toBe(200);
    const token = (await res.json()) as {
      SecretID: string;
      AuthMethod: string;
      Local: boolean;
      ServiceIdentities: unknown[];
    };
    expect(token).toMatchObject({
      AuthMethod: method,
      Local: true,
      ServiceIdentities: [{ ServiceName: service }],
    });
    const registerAs = (name: string) =>
      fetch(`${target.url}/v1/agent/service/register`, {
        method: 'PUT',
        headers: { 'X-Consul-Token': token.SecretID },
        body: JSON.stringify({ Name: name, ID: name, Port: 1 }),
      });
    target.onCleanup(() =>
      target.fetch(`/v1/agent/service/deregister/${service}`, { method: 'PUT' }),
    );
    expect((await registerAs(service)).status).toBe(200);
    const other = await registerAs(`${service}-other`);
    expect(other.status).toBe(403);
    expect(await other.text()).toMatch(/^Permission denied/);
  });

  it('when a task JWT matches the role rule, then the token has the role; when no rule matches, then 403 "Permission denied"', async () => {
    const edge = await login(await jwt({ nomad_job_id: 'edge' }));
    expect(((await edge.json()) as { Roles: { Name: string }[] }).Roles.map((r) => r.Name)).toEqual(
      [roleName],
    );
    const nobody = await login(await jwt({ nomad_job_id: 'nobody' }));
    expect(nobody.status).toBe(403);
    expect(await nobody.text()).toMatch(/Permission denied/);
  });

  it('when the JWT has another audience or the login names an unknown method, then no token is made', async () => {
    const wrongAudience = await login(
      await jwt({ nomad_job_id: 'web', nomad_service: service }, 'vault.io'),
    );
    expect(wrongAudience.ok).toBe(false);
    const unknown = await fetch(`${target.url}/v1/acl/login`, {
      method: 'POST',
      body: JSON.stringify({
        AuthMethod: `${method}-missing`,
        BearerToken: await jwt({ nomad_job_id: 'web' }),
      }),
    });
    expect(unknown.status).toBe(403);
    expect(await unknown.text()).toMatch(/ACL not found/);
  });

  it('when a login token logs out, then it is gone', async () => {
    const res = await login(await jwt({ nomad_job_id: 'web', nomad_service: service }));
    const { SecretID } = (await res.json()) as { SecretID: string };
    const out = await fetch(`${target.url}/v1/acl/logout`, {
      method: 'POST',
      headers: { 'X-Consul-Token': SecretID },
    });
    expect([out.status, await out.text()]).toEqual([200, 'true']);
    const self = await fetch(`${target.url}/v1/acl/token/self`, {
      headers: { 'X-Consul-Token': SecretID },
    });
    expect([self.status, await self.text()]).toEqual([403, 'ACL not found']);
  });
});
