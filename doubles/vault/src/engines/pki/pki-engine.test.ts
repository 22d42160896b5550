import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../../test/http-double.js';
import { createClock } from '../../core/clock.js';
import type { Operation, TokenEntry } from '../../core/types.js';
import { createPkiEngine } from './pki-engine.js';

const token: TokenEntry = {
  id: 't',
  accessor: 'a',
  policies: ['root'],
  displayName: 'root',
  meta: {},
  entityAliasMetadata: {},
  expiresAt: undefined,
};

function pki() {
  const clock = createClock({ manual: true });
  const e = createPkiEngine({
    mountPath: 'pki/',
    clock,
    leases: {
      issue: () => {
        throw new Error('no leases in pki');
      },
    },
    options: {},
  });
  const call = (op: Operation, path: string, body: Record<string, unknown> = {}): Promise<Json> =>
    e.handle({ operation: op, mountPath: 'pki/', path, body, query: new URLSearchParams(), token });
  return { e, call, clock };
}

describe('pki engine', () => {
  it('when a leaf is issued, then it chains to the generated root and carries the requested names', async () => {
    const { call } = pki();
    const root = await call('update', 'root/generate/internal', {
      common_name: 'Flowstack Root',
      ttl: '87600h',
      key_type: 'ec',
    });
    await call('create', 'roles/svc', {
      allowed_domains: ['service.consul'],
      allow_subdomains: true,
      max_ttl: '72h',
    });
    const issued = await call('update', 'issue/svc', {
      common_name: 'api.service.consul',
      alt_names: 'api-1.service.consul',
      ip_sans: '127.0.0.1',
      ttl: '1h',
    });
    const leaf = new X509Certificate(issued.data.certificate as string);
    const ca = new X509Certificate(root.data.certificate as string);
    expect(ca.ca).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subject).toContain('CN=api.service.consul');
    expect(leaf.subjectAltName).toContain('DNS:api-1.service.consul');
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(leaf.serialNumber.toLowerCase()).toBe(
      (issued.data.serial_number as string).replaceAll(':', ''),
    );
    expect(issued.data.issuing_ca).toBe(root.data.certificate);
    expect(issued.data.ca_chain).toEqual([root.data.certificate]);
    expect(issued.data.private_key_type).toBe('rsa');
    expect(issued.data.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    // The private key belongs to the certificate.
    const pub = createPublicKey(createPrivateKey(issued.data.private_key as string));
    expect(pub.export({ type: 'spki', format: 'pem' })).toBe(
      leaf.publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const lifetime = Date.parse(leaf.validTo) - Date.now();
    expect(lifetime).toBeGreaterThan(55 * 60_000);
    expect(lifetime).toBeLessThan(65 * 60_000);
    expect(issued.data.expiration).toBe(Math.floor(Date.parse(leaf.validTo) / 1000));
  });

  it('when the CN is outside allowed_domains, or bare without allow_bare_domains, then issue is refused with 400', async () => {
    const { call } = pki();
    await call('update', 'root/generate/internal', { common_name: 'root', ttl: '8760h' });
    await call('create', 'roles/svc', {
      allowed_domains: 'example.com',
      allow_subdomains: true,
      allow_localhost: false,
    });
    await expect(call('update', 'issue/svc', { common_name: 'evil.org' })).rejects.toMatchObject({
      status: 400,
      message: 'common name evil.org not allowed by this role',
    });
    await expect(call('update', 'issue/svc', { common_name: 'example.com' })).rejects.toMatchObject(
      { status: 400 },
    );
    await expect(
      call('update', 'issue/svc', { common_name: 'a.example.com', alt_names: 'b.other.net' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(call('update', 'issue/svc', { common_name: 'localhost' })).rejects.toMatchObject({
      status: 400,
    });
    await call('update', 'roles/svc', { allow_ip_sans: false });
    await expect(
      call('update', 'issue/svc', { common_name: 'a.example.com', ip_sans: '10.0.0.1' }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('when the ttl exceeds the role max_ttl, then it is capped with a warning', async () => {
    const { call } = pki();
    await call('update', 'root/generate/internal', { common_name: 'root', ttl: '8760h' });
    await call('create', 'roles/svc', {
      allowed_domains: 'example.com',
      allow_bare_domains: true,
      max_ttl: '2h',
    });
    const res = await call('update', 'issue/svc', { common_name: 'example.com', ttl: '10h' });
    expect(res.warnings?.[0]).toContain('maxTTL');
    const leaf = new X509Certificate(res.data.certificate as string);
    expect(Date.parse(leaf.validTo) - Date.now()).toBeLessThan(2 * 3600_000 + 60_000);
  });

  it('when ca/pem is read, then it is the raw PEM of the root and served without a token', async () => {
    const { e, call } = pki();
    const root = await call('update', 'root/generate/internal', { common_name: 'root' });
    const pem = await call('read', 'ca/pem');
    expect(pem.raw.body).toBe(root.data.certificate);
    expect(e.isUnauthenticated?.('ca/pem', 'read')).toBe(true);
    expect(e.isUnauthenticated?.('issue/svc', 'update')).toBe(false);
  });
});
