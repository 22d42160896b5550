import { createPrivateKey, createPublicKey } from 'node:crypto';
import { newUuid } from '../../core/ids.js';
import { parseDuration } from '../../core/ttl.js';
import { VaultError } from '../../core/types.js';
import { int, str, type Body } from '../../http/body.js';
import { keySpec, type KeySpec } from './key-spec.js';

/**
 * Intermediates and CSR signing for the PKI engine: what the bootstrap and Consul's Vault CA
 * provider (hashicorp/consul agent/connect/ca/provider_vault.go: generateIntermediateCSR,
 * GenerateIntermediate, Sign) call. Endpoints, from hashicorp/vault builtin/logical/pki:
 * path_intermediate.go `intermediate/generate/internal` (a key kept in the mount, a CSR out),
 * path_root.go `root/sign-intermediate` (a CA certificate for the CSR, `use_csr_values`,
 * `max_path_length`, `format=pem_bundle`), `intermediate/set-signed` (the signed certificate
 * becomes the mount's issuer, with the key generated earlier), and path_issue_sign.go
 * `sign/:role` (a leaf for a CSR, SANs copied from it).
 */

const loadX509 = () => import('./x509-keys.js');

export interface IssuerState {
  certificate: string;
  keyPkcs8: string;
  keySpec: KeySpec;
  issuerId: string;
  keyId: string;
  issuerName: string;
  serial: string;
  notAfterMs: number;
  /** Certificates above this issuer, nearest first (empty for a root). */
  chain?: string[];
}

export interface PendingIntermediate {
  keyPkcs8: string;
  keySpec: KeySpec;
  keyId: string;
  issuerName: string;
}

/** intermediate/generate/internal: a new key in the mount, and a CSR for its public half. */
export async function generateIntermediateCsr(
  body: Body,
): Promise<{ pending: PendingIntermediate; data: Record<string, unknown> }> {
  const commonName = str(body, 'common_name');
  if (commonName === '') throw new VaultError(400, 'the common_name field is required');
  const spec = keySpec(str(body, 'key_type', 'rsa'), int(body, 'key_bits', 0));
  const { x509, generateKeys, signingAlgorithm, exportPkcs8 } = await loadX509();
  const keys = await generateKeys(spec);
  const uris = str(body, 'uri_sans') === '' ? [] : str(body, 'uri_sans').split(',');
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: signingAlgorithm(spec),
    extensions:
      uris.length > 0
        ? [
            new x509.SubjectAlternativeNameExtension(
              uris.map((value) => ({ type: 'url' as const, value })),
            ),
          ]
        : [],
  });
  const pending: PendingIntermediate = {
    keyPkcs8: (await exportPkcs8(keys.privateKey)).toString('base64'),
    keySpec: spec,
    keyId: newUuid(),
    issuerName: str(body, 'issuer_name'),
  };
  return { pending, data: { csr: csr.toString('pem'), key_id: pending.keyId } };
}

type Loaded = Awaited<ReturnType<typeof loadX509>>;

async function parseCsr(x509: Loaded['x509'], pem: string) {
  if (pem.trim() === '') throw new VaultError(400, 'csr is required');
  try {
    const csr = new x509.Pkcs10CertificateRequest(pem);
    if (!(await csr.verify())) throw new Error('signature');
    return csr;
  } catch {
    throw new VaultError(400, 'certificate request could not be parsed');
  }
}

function ttlSeconds(body: Body, fallback: number): number {
  return body['ttl'] === undefined ? fallback : parseDuration(body['ttl'], fallback, 'ttl');
}

function bundleOf(certificate: string, issuer: IssuerState): string[] {
  return [certificate, issuer.certificate, ...(issuer.chain ?? [])];
}

/** The signing part shared by sign-intermediate and sign/:role: the issuer's key, the CSR's key. */
async function signCsr(
  issuer: IssuerState,
  csrPem: string,
  notAfter: Date,
  now: number,
  asCa: { pathLength: number } | undefined,
  usages: string[],
): Promise<{ pem: string; serial: string }> {
  const { x509, newSerial, signingAlgorithm, importSigningKey } = await loadX509();
  const csr = await parseCsr(x509, csrPem);
  const issuerCert = new x509.X509Certificate(issuer.certificate);
  const signingKey = await importSigningKey(Buffer.from(issuer.keyPkcs8, 'base64'), issuer.keySpec);
  // subjectAltName (2.5.29.17), copied as the CSR carries it (Connect's spiffe:// URI).
  const san = csr.getExtension('2.5.29.17');
  const serial = newSerial();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.hex,
    subject: csr.subject,
    issuer: issuerCert.subject,
    notBefore: new Date(now - 30_000),
    notAfter,
    publicKey: csr.publicKey,
    signingKey,
    signingAlgorithm: signingAlgorithm(issuer.keySpec),
    extensions: [
      asCa
        ? new x509.BasicConstraintsExtension(
            true,
            asCa.pathLength >= 0 ? asCa.pathLength : undefined,
            true,
          )
        : new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        asCa
          ? x509.KeyUsageFlags.keyCertSign |
              x509.KeyUsageFlags.cRLSign |
              x509.KeyUsageFlags.digitalSignature
          : x509.KeyUsageFlags.digitalSignature |
              x509.KeyUsageFlags.keyEncipherment |
              x509.KeyUsageFlags.keyAgreement,
        true,
      ),
      ...(usages.length > 0 ? [new x509.ExtendedKeyUsageExtension(usages)] : []),
      ...(san ? [san] : []),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuerCert.publicKey),
    ],
  });
  return { pem: cert.toString('pem'), serial: serial.colon };
}

/** root/sign-intermediate */
export async function signIntermediate(
  issuer: IssuerState,
  body: Body,
  now: number,
  mountMaxTtl: number,
): Promise<{ data: Record<string, unknown>; serial: string; pem: string; warnings: string[] }> {
  const ttl = ttlSeconds(body, mountMaxTtl);
  let notAfter = new Date(now + ttl * 1000);
  const warnings: string[] = [];
  if (notAfter.getTime() > issuer.notAfterMs) {
    // Vault caps an intermediate at its issuer's expiry (leaf_not_after_behavior "truncate" for CAs)
    notAfter = new Date(issuer.notAfterMs);
    warnings.push('the requested ttl is beyond the issuer expiry: truncated');
  }
  const format = str(body, 'format', 'pem');
  if (!['pem', 'pem_bundle'].includes(format)) {
    throw new VaultError(
      400,
      `format "${format}" is not supported by this double (pem, pem_bundle)`,
    );
  }
  const { pem, serial } = await signCsr(
    issuer,
    str(body, 'csr'),
    notAfter,
    now,
    { pathLength: int(body, 'max_path_length', -1) },
    [],
  );
  const chain = [issuer.certificate, ...(issuer.chain ?? [])];
  return {
    pem,
    serial,
    warnings,
    data: {
      certificate: format === 'pem_bundle' ? bundleOf(pem, issuer).join('\n') : pem,
      issuing_ca: issuer.certificate,
      ca_chain: chain,
      serial_number: serial,
      expiration: Math.floor(notAfter.getTime() / 1000),
    },
  };
}

/** intermediate/set-signed: the first certificate must carry the pending key's public half. */
export async function setSigned(
  pending: PendingIntermediate | undefined,
  body: Body,
): Promise<{ issuer: IssuerState; data: Record<string, unknown> }> {
  const { x509 } = await loadX509();
  const pems = str(body, 'certificate').match(
    /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
  );
  if (!pems || pems.length === 0) {
    throw new VaultError(400, 'no data found in PEM block');
  }
  if (!pending) {
    throw new VaultError(
      400,
      'no key was generated for this mount: run intermediate/generate first',
    );
  }
  const [leafPem = '', ...chain] = pems;
  const cert = new x509.X509Certificate(leafPem);
  const pendingSpki = createPublicKey(
    createPrivateKey({
      key: Buffer.from(pending.keyPkcs8, 'base64'),
      format: 'der',
      type: 'pkcs8',
    }),
  ).export({ type: 'spki', format: 'der' });
  if (!pendingSpki.equals(Buffer.from(cert.publicKey.rawData))) {
    throw new VaultError(400, 'the certificate does not match the key generated for this mount');
  }
  const issuer: IssuerState = {
    certificate: leafPem,
    keyPkcs8: pending.keyPkcs8,
    keySpec: pending.keySpec,
    issuerId: newUuid(),
    keyId: pending.keyId,
    issuerName: pending.issuerName,
    serial: cert.serialNumber.match(/../g)?.join(':') ?? cert.serialNumber,
    notAfterMs: cert.notAfter.getTime(),
    chain: chain.map((c) => c.trim()),
  };
  return {
    issuer,
    data: {
      imported_issuers: [issuer.issuerId],
      imported_keys: null,
      mapping: { [issuer.issuerId]: issuer.keyId },
      existing_issuers: null,
      existing_keys: null,
    },
  };
}

/** sign/:role: a leaf for the CSR, its SANs (Connect's spiffe:// URI) taken from the CSR. */
export async function signLeaf(
  issuer: IssuerState,
  body: Body,
  now: number,
  role: { ttl: number; maxTtl: number; serverFlag: boolean; clientFlag: boolean },
  mountMaxTtl: number,
): Promise<{ data: Record<string, unknown>; serial: string; pem: string; warnings: string[] }> {
  const maxTtl = role.maxTtl > 0 ? role.maxTtl : mountMaxTtl;
  let ttl = ttlSeconds(body, role.ttl > 0 ? role.ttl : maxTtl);
  const warnings: string[] = [];
  if (ttl > maxTtl) {
    warnings.push(`TTL is longer than permitted maxTTL; maxTTL is being used`);
    ttl = maxTtl;
  }
  const notAfter = new Date(Math.min(now + ttl * 1000, issuer.notAfterMs));
  const { x509 } = await loadX509();
  const usages: string[] = [];
  if (role.serverFlag) usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (role.clientFlag) usages.push(x509.ExtendedKeyUsage.clientAuth);
  const { pem, serial } = await signCsr(issuer, str(body, 'csr'), notAfter, now, undefined, usages);
  return {
    pem,
    serial,
    warnings,
    data: {
      certificate: pem,
      issuing_ca: issuer.certificate,
      ca_chain: [issuer.certificate, ...(issuer.chain ?? [])],
      serial_number: serial,
      expiration: Math.floor(notAfter.getTime() / 1000),
    },
  };
}
