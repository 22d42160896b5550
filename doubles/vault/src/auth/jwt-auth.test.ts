import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  exportSPKI,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWTPayload,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDouble, type TestDouble } from '../../test/http-double.js';

let v: TestDouble;
let jwks: Server;
let jwksUrl: string;
let signingKey: CryptoKey;
let otherKey: CryptoKey;
let accessor: string;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;

  v = await startTestDouble();
  expect((await v.call('POST', 'sys/auth/jwt-nomad', { body: { type: 'jwt' } })).status).toBe(204);
  accessor = (await v.call('GET', 'sys/auth')).body.data['jwt-nomad/'].accessor as string;
  expect(
    (
      await v.call('POST', 'auth/jwt-nomad/config', {
        body: { jwks_url: jwksUrl, bound_issuer: 'nomad' },
      })
    ).status,
  ).toBe(204);
  await v.call('PUT', 'sys/policies/acl/workload', {
    body: {
      policy: `path "secret/data/{{identity.entity.aliases.${accessor}.metadata.nomad_namespace}}/{{identity.entity.aliases.${accessor}.metadata.nomad_job_id}}/*" {
  capabilities = ["read"]
}`,
    },
  });
  const role = await v.call('POST', 'auth/jwt-nomad/role/nomad-workloads', {
    body: {
      role_type: 'jwt',
      bound_audiences: ['vault.io'],
      bound_claims: { nomad_namespace: ['default', 'prod'] },
      user_claim: 'nomad_job_id',
      claim_mappings: { nomad_namespace: 'nomad_namespace', nomad_job_id: 'nomad_job_id' },
      token_policies: ['workload'],
      token_ttl: '30m',
      token_period: '',
    },
  });
  expect(role.status).toBe(204);
});

afterAll(async () => {
  await v.stop();
  await new Promise<void>((resolve) => jwks.close(() => resolve()));
});

function sign(
  claims: JWTPayload,
  options: { key?: CryptoKey; expiresIn?: string | number; kid?: string } = {},
) {
  return new SignJWT({ nomad_namespace: 'default', nomad_job_id: 'api', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' })
    .setIssuer('nomad')
    .setAudience('vault.io')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '10m')
    .sign(options.key ?? signingKey);
}

const login = (jwt: string, role = 'nomad-workloads') =>
  v.call('POST', 'auth/jwt-nomad/login', { token: null, body: { role, jwt } });

describe('JWT auth', () => {
  it('when a valid JWT logs in, then the auth block carries policies, metadata from claim_mappings and the role TTL', async () => {
    const res = await login(await sign({}));
    expect(res.status).toBe(200);
    const auth = res.body.auth;
    expect(auth.client_token).toMatch(/^hvs\./);
    expect(auth.policies).toEqual(['default', 'workload']);
    expect(auth.token_policies).toEqual(['default', 'workload']);
    expect(auth.metadata).toEqual({
      nomad_namespace: 'default',
      nomad_job_id: 'api',
      role: 'nomad-workloads',
    });
    expect(auth.lease_duration).toBe(1800);
    expect(auth.renewable).toBe(true);
    expect(auth.orphan).toBe(true);
    expect(auth.entity_id).not.toBe('');
    const again = await login(await sign({}));
    expect(again.body.auth.entity_id).toBe(auth.entity_id);
  });

  it('when the login token reads secrets, then the templated policy grants its own job path only', async () => {
    await v.call('POST', 'secret/data/default/api/db', { body: { data: { password: 'p' } } });
    await v.call('POST', 'secret/data/default/worker/db', { body: { data: { password: 'p' } } });
    const token = (await login(await sign({}))).body.auth.client_token as string;
    expect((await v.call('GET', 'secret/data/default/api/db', { token })).status).toBe(200);
    expect((await v.call('GET', 'secret/data/default/worker/db', { token })).status).toBe(403);
  });

  it('when the audience is wrong, then login is refused with 400', async () => {
    const jwt = await new SignJWT({ nomad_namespace: 'default', nomad_job_id: 'api' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('nomad')
      .setAudience('someone-else')
      .setExpirationTime('10m')
      .sign(signingKey);
    const res = await login(jwt);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toContain('audience');
  });

  it('when the signature is from another key, then login is refused with 400', async () => {
    const res = await login(await sign({}, { key: otherKey }));
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toContain('signature');
  });

  it('when the token expired beyond the leeway, then login is refused; within the leeway it passes', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await login(await sign({}, { expiresIn: now - 600 }))).status).toBe(400);
    expect((await login(await sign({}, { expiresIn: now - 30 }))).status).toBe(200);
  });

  it('when a bound claim does not match, or the issuer is wrong, then 400', async () => {
    expect((await login(await sign({ nomad_namespace: 'staging' }))).status).toBe(400);
    const wrongIssuer = await new SignJWT({ nomad_namespace: 'default', nomad_job_id: 'api' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('not-nomad')
      .setAudience('vault.io')
      .setExpirationTime('10m')
      .sign(signingKey);
    expect((await login(wrongIssuer)).status).toBe(400);
  });

  it('when the role is unknown, then 400 role could not be found', async () => {
    const res = await login(await sign({}), 'nope');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(['role "nope" could not be found']);
  });

  it('when configured with jwt_validation_pubkeys instead of a JWKS URL, then it verifies with them', async () => {
    const pair = await generateKeyPair('ES256');
    await v.call('POST', 'sys/auth/jwt-static', { body: { type: 'jwt' } });
    await v.call('POST', 'auth/jwt-static/config', {
      body: { jwt_validation_pubkeys: [await exportSPKI(pair.publicKey)] },
    });
    await v.call('POST', 'auth/jwt-static/role/r', {
      body: { role_type: 'jwt', bound_subject: 'svc', user_claim: 'sub', token_policies: ['p'] },
    });
    const good = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('svc')
      .setExpirationTime('5m')
      .sign(pair.privateKey);
    const res = await v.call('POST', 'auth/jwt-static/login', {
      token: null,
      body: { role: 'r', jwt: good },
    });
    expect(res.status).toBe(200);
    expect(res.body.auth.policies).toEqual(['default', 'p']);
    const otherSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('intruder')
      .setExpirationTime('5m')
      .sign(pair.privateKey);
    expect(
      (
        await v.call('POST', 'auth/jwt-static/login', {
          token: null,
          body: { role: 'r', jwt: otherSub },
        })
      ).status,
    ).toBe(400);
  });

  it('when the auth mount is disabled, then its tokens are revoked', async () => {
    await v.call('POST', 'sys/auth/jwt-temp', { body: { type: 'jwt' } });
    await v.call('POST', 'auth/jwt-temp/config', { body: { jwks_url: jwksUrl } });
    await v.call('POST', 'auth/jwt-temp/role/r', {
      body: { role_type: 'jwt', bound_audiences: 'vault.io', user_claim: 'nomad_job_id' },
    });
    const res = await v.call('POST', 'auth/jwt-temp/login', {
      token: null,
      body: { role: 'r', jwt: await sign({}) },
    });
    const token = res.body.auth.client_token as string;
    expect((await v.call('GET', 'auth/token/lookup-self', { token })).status).toBe(200);
    expect((await v.call('DELETE', 'sys/auth/jwt-temp')).status).toBe(204);
    expect((await v.call('GET', 'auth/token/lookup-self', { token })).status).toBe(403);
  });
});
