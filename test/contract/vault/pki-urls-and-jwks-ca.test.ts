import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVaultTarget, type VaultTarget } from './harness.js';

/**
 * What the Vault bootstrap writes beyond the engines: a PKI mount's config/urls
 * (builtin/logical/pki/path_config_urls.go) and a JWT auth config with jwks_ca_pem
 * (vault-plugin-auth-jwt path_config.go). Real Vault test-fetches the JWKS when the config is
 * written, so the suite serves one on 127.0.0.1: run the server on the same host.
 */

let target: VaultTarget;
let pki: string;
let caPem: string;
let jwks: Server;
let jwksUrl: string;

beforeAll(async () => {
  target = await openVaultTarget();
  pki = target.uniquePath('pki');
  await target.client.mount({ mount_point: pki, type: 'pki', config: { max_lease_ttl: '87600h' } });
  const root = (await target.client.write(`${pki}/root/generate/internal`, {
    common_name: 'contract root',
    ttl: '8760h',
  })) as { data: { certificate: string } };
  caPem = root.data.certificate;
  const { publicKey } = await generateKeyPair('RS256', { extractable: true });
  const key = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: [key] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(async () => {
  await target?.close();
  jwks?.closeAllConnections();
  await new Promise((resolve) => jwks?.close(resolve));
});

async function json(
  response: Response,
): Promise<{ data?: Record<string, unknown>; errors?: string[] }> {
  const text = await response.text();
  return text === ''
    ? {}
    : (JSON.parse(text) as { data?: Record<string, unknown>; errors?: string[] });
}

describe('PKI config/urls', () => {
  it('when nothing was set, then the lists read back empty', async () => {
    const response = await target.fetch(`${pki}/config/urls`);
    expect(response.status).toBe(200);
    expect((await json(response)).data).toMatchObject({
      issuing_certificates: [],
      crl_distribution_points: [],
      ocsp_servers: [],
    });
  });

  it('when the AIA and CRL URLs are written, then they read back as lists and fields not sent keep their value', async () => {
    const write = await target.fetch(`${pki}/config/urls`, {
      method: 'POST',
      body: JSON.stringify({
        issuing_certificates: ['http://vault.example:8200/v1/pki/ca'],
        crl_distribution_points: 'http://vault.example:8200/v1/pki/crl',
      }),
    });
    expect(write.status).toBe(204);
    await target.fetch(`${pki}/config/urls`, {
      method: 'POST',
      body: JSON.stringify({ ocsp_servers: [] }),
    });
    expect((await json(await target.fetch(`${pki}/config/urls`))).data).toMatchObject({
      issuing_certificates: ['http://vault.example:8200/v1/pki/ca'],
      crl_distribution_points: ['http://vault.example:8200/v1/pki/crl'],
      ocsp_servers: [],
    });
  });

  it('when a URL is not one, then 400 names the list it was found in', async () => {
    const response = await target.fetch(`${pki}/config/urls`, {
      method: 'POST',
      body: JSON.stringify({ issuing_certificates: ['not a url'] }),
    });
    expect(response.status).toBe(400);
    expect((await json(response)).errors?.join(' ')).toMatch(
      /invalid URL found in issuing certificates: not a url/,
    );
  });
});

describe('JWT auth config with jwks_ca_pem', () => {
  let mount: string;
  beforeAll(async () => {
    mount = target.uniquePath('jwt');
    await target.client.enableAuth({ mount_point: mount, type: 'jwt' });
    target.onCleanup(() => target.client.disableAuth({ mount_point: mount }));
  });

  it('when a CA PEM is given with the JWKS URL, then it is stored and read back with the algorithms', async () => {
    const write = await target.fetch(`auth/${mount}/config`, {
      method: 'POST',
      body: JSON.stringify({
        jwks_url: jwksUrl,
        jwks_ca_pem: caPem,
        jwt_supported_algs: ['RS256', 'EdDSA'],
      }),
    });
    expect(write.status).toBe(204);
    const read = (await json(await target.fetch(`auth/${mount}/config`))).data;
    expect(read?.['jwks_url']).toBe(jwksUrl);
    expect(String(read?.['jwks_ca_pem']).trim()).toBe(caPem.trim());
    expect(read?.['jwt_supported_algs']).toEqual(['RS256', 'EdDSA']);
  });

  it('when the CA PEM holds no certificate, then 400 and the config is unchanged', async () => {
    const response = await target.fetch(`auth/${mount}/config`, {
      method: 'POST',
      body: JSON.stringify({ jwks_url: jwksUrl, jwks_ca_pem: 'not a pem' }),
    });
    expect(response.status).toBe(400);
    expect((await json(response)).errors?.join(' ')).toMatch(
      /error checking jwks_ca_pem: could not parse CA PEM value successfully/,
    );
  });
});
