import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, openVaultTarget, type VaultTarget } from './harness.js';

interface LoginAuth {
  client_token: string;
  policies: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
}

let target: VaultTarget;
let jwks: Server;
let privateKey: KeyObject;
let jwtMount: string;
let policy: string;

beforeAll(async () => {
  target = await openVaultTarget();
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privateKey = pair.privateKey;
  const jwk = {
    ...pair.publicKey.export({ format: 'jwk' }),
    kid: 'contract',
    alg: 'RS256',
    use: 'sig',
  };
  jwks = createServer((_req, res) =>
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;

  jwtMount = target.uniquePath('jwt');
  policy = target.uniquePath('jwt-policy');
  await target.client.addPolicy({
    name: policy,
    rules: 'path "sys/mounts" { capabilities = ["read"] }',
  });
  await target.client.enableAuth({ mount_point: jwtMount, type: 'jwt' });
  await target.client.write(`auth/${jwtMount}/config`, {
    jwks_url: jwksUrl,
    bound_issuer: 'contract-issuer',
  });
  await target.client.write(`auth/${jwtMount}/role/workload`, {
    role_type: 'jwt',
    bound_audiences: ['vault.io'],
    user_claim: 'sub',
    claim_mappings: { team: 'team' },
    token_policies: [policy],
    token_ttl: '20m',
  });
});

afterAll(async () => {
  await target?.close();
  if (jwks) await new Promise<void>((resolve) => jwks.close(() => resolve()));
});

/** An RS256 JWT signed with node:crypto (so the suite needs no JOSE library). */
function jwt(audience: string, claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'RS256', typ: 'JWT', kid: 'contract' });
  const payload = encode({
    iss: 'contract-issuer',
    sub: 'svc-a',
    aud: audience,
    iat: now,
    exp: now + 300,
    team: 'payments',
    ...claims,
  });
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString(
    'base64url',
  );
  return Promise.resolve(`${header}.${payload}.${signature}`);
}

describe('JWT auth', () => {
  it('when a valid JWT logs in with node-vault, then the auth block has the role policies, claim metadata and TTL', async () => {
    const client = target.clientWith();
    const res = (await client.jwtLogin({
      mount_point: jwtMount,
      role: 'workload',
      jwt: await jwt('vault.io'),
    })) as { auth: LoginAuth };
    expect(res.auth.policies).toEqual(['default', policy].sort());
    expect(res.auth.metadata).toMatchObject({ team: 'payments', role: 'workload' });
    expect(res.auth.lease_duration).toBe(1200);
    expect(client.token).toBe(res.auth.client_token);
    const me = (await client.tokenLookupSelf()) as { data: { policies: string[] } };
    expect(me.data.policies).toContain(policy);
  });

  it('when the JWT has the wrong audience, then login is refused with 400', async () => {
    const client = target.clientWith();
    const failure = await failureOf(
      client.jwtLogin({ mount_point: jwtMount, role: 'workload', jwt: await jwt('not-vault') }),
    );
    expect(failure.response?.statusCode).toBe(400);
    expect(failure.message).toMatch(/aud/);
  });

  it('when the role does not exist, then login is refused with 400', async () => {
    const failure = await failureOf(
      target
        .clientWith()
        .jwtLogin({ mount_point: jwtMount, role: 'nope', jwt: await jwt('vault.io') }),
    );
    expect(failure.response?.statusCode).toBe(400);
  });
});

describe('AppRole auth', () => {
  it('when logging in with role_id and secret_id, then a token comes back; a wrong secret_id gets 400', async () => {
    const mount = target.uniquePath('approle');
    await target.client.enableAuth({ mount_point: mount, type: 'approle' });
    await target.client.write(`auth/${mount}/role/worker`, {
      token_policies: [policy],
      token_ttl: '10m',
    });
    const roleId = (
      (await target.client.read(`auth/${mount}/role/worker/role-id`)) as {
        data: { role_id: string };
      }
    ).data.role_id;
    const secretId = (
      (await target.client.write(`auth/${mount}/role/worker/secret-id`, {})) as {
        data: { secret_id: string };
      }
    ).data.secret_id;
    const res = (await target
      .clientWith()
      .approleLogin({ mount_point: mount, role_id: roleId, secret_id: secretId })) as {
      auth: LoginAuth;
    };
    expect(res.auth.policies).toEqual(['default', policy].sort());
    expect(res.auth.lease_duration).toBe(600);
    const failure = await failureOf(
      target.clientWith().approleLogin({ mount_point: mount, role_id: roleId, secret_id: 'wrong' }),
    );
    expect(failure.response?.statusCode).toBe(400);
  });
});
