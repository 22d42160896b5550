import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, openVaultTarget, type VaultTarget } from './harness.js';

let target: VaultTarget;
let pki: string;
let caPem: string;

beforeAll(async () => {
  target = await openVaultTarget();
  pki = target.uniquePath('pki');
  await target.client.mount({ mount_point: pki, type: 'pki', config: { max_lease_ttl: '87600h' } });
  const root = (await target.client.write(`${pki}/root/generate/internal`, {
    common_name: 'contract root',
    ttl: '8760h',
  })) as {
    data: { certificate: string };
  };
  caPem = root.data.certificate;
  await target.client.write(`${pki}/roles/svc`, {
    allowed_domains: ['service.consul'],
    allow_subdomains: true,
    max_ttl: '72h',
  });
});

afterAll(async () => {
  await target?.close();
});

describe('PKI', () => {
  it('when a certificate is issued for an allowed name, then it chains to the CA and carries the SANs', async () => {
    const res = (await target.client.write(`${pki}/issue/svc`, {
      common_name: 'api.service.consul',
      alt_names: 'api-2.service.consul',
      ip_sans: '127.0.0.1',
      ttl: '1h',
    })) as { data: Record<string, unknown> };
    for (const field of [
      'certificate',
      'issuing_ca',
      'ca_chain',
      'private_key',
      'private_key_type',
      'serial_number',
      'expiration',
    ]) {
      expect(res.data).toHaveProperty(field);
    }
    const leaf = new X509Certificate(res.data.certificate as string);
    const ca = new X509Certificate(caPem);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toContain('DNS:api-2.service.consul');
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(res.data.serial_number).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2})+$/);
    expect(
      Math.abs((res.data.expiration as number) - Math.floor(Date.now() / 1000) - 3600),
    ).toBeLessThan(120);
  });

  it('when the common name is outside allowed_domains, then issue is refused with 400', async () => {
    const failure = await failureOf(
      target.client.write(`${pki}/issue/svc`, { common_name: 'api.example.org' }),
    );
    expect(failure.response?.statusCode).toBe(400);
    expect(failure.message).toContain('not allowed by this role');
  });

  it('when the bare domain is asked without allow_bare_domains, then issue is refused with 400', async () => {
    expect(
      (await failureOf(target.client.write(`${pki}/issue/svc`, { common_name: 'service.consul' })))
        .response?.statusCode,
    ).toBe(400);
  });

  it('when ca/pem is fetched without a token, then it is the raw CA PEM', async () => {
    const res = await target.fetch(`${pki}/ca/pem`, { token: null });
    expect(res.status).toBe(200);
    expect((await res.text()).trim()).toBe(caPem.trim());
  });
});
