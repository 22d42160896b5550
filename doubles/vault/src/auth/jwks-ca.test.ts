import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDouble, type TestDouble } from '../../test/http-double.js';

/**
 * A TLS Nomad serves its JWKS with a certificate from a private CA; `jwks_ca_pem` is the CA the
 * JWT auth method trusts for that fetch. The server certificate here comes from the double's
 * own PKI engine.
 */
let v: TestDouble;
let jwks: Server;
let jwksUrl: string;
let caPem: string;
let signingKey: CryptoKey;

beforeAll(async () => {
  v = await startTestDouble();
  await v.call('POST', 'sys/mounts/tls-ca', { body: { type: 'pki' } });
  const root = await v.call('POST', 'tls-ca/root/generate/internal', {
    body: { common_name: 'nomad test CA', ttl: '24h' },
  });
  caPem = String(root.body.data['certificate']);
  await v.call('POST', 'tls-ca/roles/nomad', {
    body: { allow_any_name: true, allow_ip_sans: true, ttl: '1h' },
  });
  const issued = await v.call('POST', 'tls-ca/issue/nomad', {
    body: { common_name: 'nomad.local', ip_sans: '127.0.0.1' },
  });
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer(
    { cert: String(issued.body.data['certificate']), key: String(issued.body.data['private_key']) },
    (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    },
  );
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `https://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
  for (const mount of ['with-ca', 'without-ca']) {
    await v.call('POST', `sys/auth/${mount}`, { body: { type: 'jwt' } });
    await v.call('POST', `auth/${mount}/role/r`, {
      body: {
        role_type: 'jwt',
        bound_audiences: ['vault.io'],
        user_claim: 'sub',
        token_policies: ['default'],
      },
    });
  }
  await v.call('POST', 'auth/with-ca/config', { body: { jwks_url: jwksUrl, jwks_ca_pem: caPem } });
  await v.call('POST', 'auth/without-ca/config', { body: { jwks_url: jwksUrl } });
}, 30_000);

afterAll(async () => {
  jwks?.closeAllConnections();
  await new Promise((resolve) => jwks?.close(resolve));
  await v?.stop();
});

const jwt = () =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('task')
    .setAudience('vault.io')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(signingKey);

describe('JWT auth with jwks_ca_pem', () => {
  it('when the JWKS is served over TLS by a private CA given as jwks_ca_pem, then the login succeeds', async () => {
    const reply = await v.call('POST', 'auth/with-ca/login', {
      body: { role: 'r', jwt: await jwt() },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.auth['client_token']).toEqual(expect.any(String));
  });

  it('when the same JWKS is fetched without the CA, then the login fails: the certificate is not trusted', async () => {
    const reply = await v.call('POST', 'auth/without-ca/login', {
      body: { role: 'r', jwt: await jwt() },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.auth).toBeUndefined();
  });

  it('when the config is read, then jwks_ca_pem is reported as written', async () => {
    const read = await v.call('GET', 'auth/with-ca/config');
    expect(read.body.data['jwks_ca_pem']).toBe(caPem);
  });
});
