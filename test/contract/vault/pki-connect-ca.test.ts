import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { X509Certificate as NodeX509, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVaultTarget, type VaultTarget } from './harness.js';

/**
 * Plays Consul's Vault CA provider (hashicorp/consul agent/connect/ca/provider_vault.go) with
 * the token policy Consul's docs give (infra/vault/policies/consul-connect-ca.hcl, mount names
 * made unique): read the root, set up the intermediate mount and the leaf-cert role, generate
 * the intermediate CSR, have the root sign it, set it, then sign a leaf for a service's CSR
 * with its SPIFFE ID. The chain is checked with node:crypto: leaf -> Connect intermediate ->
 * root. Tune (sys/mounts/<int>/tune) is called as Consul does; Consul only warns when it fails.
 */

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const POLICY_FILE = new URL('../../../infra/vault/policies/consul-connect-ca.hcl', import.meta.url);
const TRUST_DOMAIN = '11111111-2222-3333-4444-555555555555.consul';

let target: VaultTarget;
let root: string;
let int: string;
let consulToken: string;

async function call(method: string, path: string, body?: unknown, token = consulToken) {
  const res = await target.fetch(path, {
    method,
    token,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const json = (() => {
    try {
      return JSON.parse(text) as { data?: Record<string, unknown>; errors?: string[] };
    } catch {
      return undefined;
    }
  })();
  return { status: res.status, text, json };
}

async function csrFor(commonName: string, uri: string): Promise<string> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: commonName === '' ? [] : [{ CN: [commonName] }],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: uri }])],
  });
  return csr.toString('pem');
}

beforeAll(async () => {
  target = await openVaultTarget();
  root = target.uniquePath('connect_root');
  int = target.uniquePath('connect_dc1_inter');
  // What the bootstrap does: both mounts, the root generated and managed by Vault.
  await target.client.mount({ mount_point: root, type: 'pki' });
  await target.client.mount({ mount_point: int, type: 'pki' });
  await target.client.write(`${root}/root/generate/internal`, {
    common_name: 'Connect Root CA (contract)',
    key_type: 'ec',
    key_bits: 256,
    ttl: '87600h',
  });
  const policyName = target.uniquePath('consul-connect-ca');
  const rules = (await readFile(POLICY_FILE, 'utf8'))
    .replaceAll('connect_root', root)
    .replaceAll('connect_dc1_inter', int);
  await target.client.addPolicy({ name: policyName, rules });
  const created = await call(
    'POST',
    'auth/token/create',
    { policies: [policyName], ttl: '1h' },
    target.rootToken,
  );
  consulToken = String((created.json as { auth?: { client_token?: string } }).auth?.client_token);
}, 60_000);

afterAll(async () => {
  await target?.close();
});

describe('Consul Connect with Vault as its CA, as provider_vault.go calls it', () => {
  let rootPem: string;
  let intermediatePem: string;
  let leafPem: string;

  it('when Consul reads the root (GenerateRoot with a Vault-managed root), then it gets the PEM and the chain', async () => {
    const ca = await call('GET', `${root}/ca/pem`);
    expect(ca.status).toBe(200);
    expect(ca.text).toContain('BEGIN CERTIFICATE');
    rootPem = ca.text;
    const chain = await call('GET', `${root}/ca_chain`);
    expect(chain.status).toBe(200);
  });

  it('when Consul sets up the intermediate mount (setupIntermediatePKIPath), then the mount reads as not initialized and the leaf role is written', async () => {
    const ca = await call('GET', `${int}/ca/pem`);
    expect(ca.status).toBe(200);
    expect(ca.text.trim()).toBe('');
    // Consul tunes the mount and only warns when that fails.
    await call('POST', `sys/mounts/${int}/tune`, { max_lease_ttl: '8760h' });
    const role = await call('POST', `${int}/roles/leaf-cert`, {
      allow_any_name: true,
      allowed_uri_sans: 'spiffe://*',
      key_type: 'any',
      max_ttl: '72h',
      no_store: true,
      require_cn: false,
    });
    expect([200, 204]).toContain(role.status);
  });

  it('when Consul generates its intermediate (GenerateIntermediate), then the root signs it and the mount serves it', async () => {
    const generated = await call('POST', `${int}/intermediate/generate/internal`, {
      common_name: 'pri-1abc.vault.ca.11111111.consul',
      key_type: 'ec',
      key_bits: 256,
      uri_sans: `spiffe://${TRUST_DOMAIN}`,
    });
    expect(generated.status).toBe(200);
    const csr = String(generated.json?.data?.['csr']);
    expect(csr).toContain('BEGIN CERTIFICATE REQUEST');
    const signed = await call('POST', `${root}/root/sign-intermediate`, {
      csr,
      use_csr_values: true,
      format: 'pem_bundle',
      ttl: '8760h',
    });
    expect(signed.status).toBe(200);
    const bundle = String(signed.json?.data?.['certificate']);
    const set = await call('POST', `${int}/intermediate/set-signed`, { certificate: bundle });
    expect([200, 204]).toContain(set.status);
    const active = await call('GET', `${int}/ca/pem`);
    expect(active.text).toContain('BEGIN CERTIFICATE');
    intermediatePem = active.text;
  });

  it('when Consul signs a leaf for a service (Sign), then Vault returns it with the intermediate as issuing CA', async () => {
    const spiffe = `spiffe://${TRUST_DOMAIN}/ns/default/dc/dc1/svc/flowstack-api`;
    const res = await call('POST', `${int}/sign/leaf-cert`, {
      csr: await csrFor('', spiffe),
      ttl: '72h',
    });
    expect(res.status).toBe(200);
    leafPem = String(res.json?.data?.['certificate']);
    expect(String(res.json?.data?.['issuing_ca']).trim()).toBe(intermediatePem.trim());
    const leaf = new NodeX509(leafPem);
    expect(leaf.subjectAltName).toContain(spiffe);
  });

  it('when the chain is checked, then leaf -> Connect intermediate -> root verifies and the intermediate is a CA', () => {
    const rootCert = new NodeX509(rootPem);
    const intermediate = new NodeX509(intermediatePem);
    const leaf = new NodeX509(leafPem);
    expect(leaf.checkIssued(intermediate)).toBe(true);
    expect(leaf.verify(intermediate.publicKey)).toBe(true);
    expect(intermediate.checkIssued(rootCert)).toBe(true);
    expect(intermediate.verify(rootCert.publicKey)).toBe(true);
    expect(intermediate.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(rootCert.publicKey)).toBe(false);
  });

  it('when the Consul token tries to generate a new root, then the policy refuses it', async () => {
    const res = await call('POST', `${root}/root/generate/internal`, { common_name: 'rogue' });
    expect(res.status).toBe(403);
  });

  it('when a CSR goes to set-signed that the mount did not generate, then it is refused', async () => {
    const other = target.uniquePath('connect_other');
    await target.client.mount({ mount_point: other, type: 'pki' });
    const generated = await call(
      'POST',
      `${other}/intermediate/generate/internal`,
      { common_name: 'other', key_type: 'ec', key_bits: 256 },
      target.rootToken,
    );
    const signed = await call(
      'POST',
      `${root}/root/sign-intermediate`,
      { csr: generated.json?.data?.['csr'], format: 'pem_bundle', ttl: '1h' },
      target.rootToken,
    );
    const res = await call('POST', `${int}/intermediate/set-signed`, {
      certificate: signed.json?.data?.['certificate'],
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
  });
});
