import { isIP } from 'node:net';
import { newUuid } from '../../core/ids.js';
import { formatDuration, parseDuration } from '../../core/ttl.js';
import {
  VaultError,
  type EngineContext,
  type EngineRequest,
  type EngineResponse,
  type PersistentEngine,
} from '../../core/types.js';
import { bool, duration, has, int, str, strList, type Body } from '../../http/body.js';
import { checkNames, type NamePolicy } from './name-policy.js';
import { keySpec } from './key-spec.js';
import {
  generateIntermediateCsr,
  setSigned,
  signIntermediate,
  signLeaf,
  type IssuerState,
  type PendingIntermediate,
} from './pki-intermediate.js';
import { colonHex } from './serial.js';
import { readPkiUrls, writePkiUrls, type PkiUrls } from './pki-urls.js';
import { nameRecord } from '../../core/own.js';

/** X.509 code is loaded on first use: @peculiar/x509 and its reflect-metadata slow startup. */
const loadX509 = () => import('./x509-keys.js');

type CaState = IssuerState;

interface PkiRole extends NamePolicy {
  ttl: number;
  maxTtl: number;
  keyType: string;
  keyBits: number;
  serverFlag: boolean;
  clientFlag: boolean;
}

interface PkiState {
  ca: CaState | undefined;
  urls?: PkiUrls;
  roles: Record<string, PkiRole>;
  /** colon serial -> PEM of every certificate issued (no_store is not implemented). */
  certs: Record<string, string>;
  /** The key intermediate/generate made, waiting for intermediate/set-signed. */
  pending?: PendingIntermediate | undefined;
}

/** Vault's system max lease TTL, the default ceiling for roles and the root. */
const MOUNT_MAX_TTL = 768 * 3600;

/** PKI: one internal root CA per mount, roles, and leaf issuance with real X.509. */
export function createPkiEngine(ctx: EngineContext): PersistentEngine {
  const saved = ctx.saved as PkiState | undefined;
  // Role names and serials come from requests: records without a prototype (see nameRecord).
  const state: PkiState = {
    ...saved,
    ca: saved?.ca,
    roles: nameRecord(saved?.roles),
    certs: nameRecord(saved?.certs),
  };
  const now = (): number => ctx.clock.now();

  const generateRoot = async (exported: boolean, body: Body): Promise<EngineResponse> => {
    if (state.ca) {
      throw new VaultError(
        400,
        'this mount already has a root CA; this double keeps one issuer per mount (DELETE root first)',
      );
    }
    const commonName = str(body, 'common_name');
    if (commonName === '') throw new VaultError(400, 'the common_name field is required');
    const spec = keySpec(str(body, 'key_type', 'rsa'), int(body, 'key_bits', 0));
    const ttl = duration(body, 'ttl', MOUNT_MAX_TTL);
    const { x509, generateKeys, newSerial, signingAlgorithm, exportPkcs8, privateKeyPem } =
      await loadX509();
    const keys = await generateKeys(spec);
    const serial = newSerial();
    const notBefore = new Date(now() - 30_000);
    const notAfter = new Date(now() + ttl * 1000);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial.hex,
      name: [{ CN: [commonName] }],
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: signingAlgorithm(spec),
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign |
            x509.KeyUsageFlags.cRLSign |
            x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const pkcs8 = await exportPkcs8(keys.privateKey);
    const ca: CaState = {
      certificate: cert.toString('pem'),
      keyPkcs8: pkcs8.toString('base64'),
      keySpec: spec,
      issuerId: newUuid(),
      keyId: newUuid(),
      issuerName: str(body, 'issuer_name'),
      serial: serial.colon,
      notAfterMs: notAfter.getTime(),
    };
    state.ca = ca;
    state.certs[serial.colon] = ca.certificate;
    const data: Record<string, unknown> = {
      certificate: ca.certificate,
      issuing_ca: ca.certificate,
      serial_number: serial.colon,
      expiration: Math.floor(ca.notAfterMs / 1000),
      issuer_id: ca.issuerId,
      issuer_name: ca.issuerName,
      key_id: ca.keyId,
      key_name: '',
    };
    if (exported) {
      data['private_key'] = privateKeyPem(pkcs8, spec);
      data['private_key_type'] = spec.type;
    }
    return { status: 200, data };
  };

  const writeRole = (name: string, body: Body): EngineResponse => {
    const current = state.roles[name];
    const role: PkiRole = {
      allowedDomains: strList(body, 'allowed_domains', current?.allowedDomains ?? []),
      allowSubdomains: bool(body, 'allow_subdomains', current?.allowSubdomains ?? false),
      allowBareDomains: bool(body, 'allow_bare_domains', current?.allowBareDomains ?? false),
      allowGlobDomains: bool(body, 'allow_glob_domains', current?.allowGlobDomains ?? false),
      allowLocalhost: bool(body, 'allow_localhost', current?.allowLocalhost ?? true),
      allowAnyName: bool(body, 'allow_any_name', current?.allowAnyName ?? false),
      enforceHostnames: bool(body, 'enforce_hostnames', current?.enforceHostnames ?? true),
      allowIpSans: bool(body, 'allow_ip_sans', current?.allowIpSans ?? true),
      ttl: duration(body, 'ttl', current?.ttl ?? 0),
      maxTtl: duration(body, 'max_ttl', current?.maxTtl ?? 0),
      keyType: str(body, 'key_type', current?.keyType ?? 'rsa'),
      keyBits: int(body, 'key_bits', current?.keyBits ?? 0),
      serverFlag: bool(body, 'server_flag', current?.serverFlag ?? true),
      clientFlag: bool(body, 'client_flag', current?.clientFlag ?? true),
    };
    // "any" accepts whatever key a CSR carries (sign/:role only), as Consul's leaf-cert role asks.
    if (role.keyType !== 'any') keySpec(role.keyType, role.keyBits);
    if (role.maxTtl > 0 && role.ttl > role.maxTtl) {
      throw new VaultError(400, '"ttl" value must be less than "max_ttl" value');
    }
    state.roles[name] = role;
    return { status: 204 };
  };

  const readRole = (name: string): EngineResponse => {
    const r = state.roles[name];
    if (!r) throw new VaultError(404, '');
    return {
      status: 200,
      data: {
        allowed_domains: r.allowedDomains,
        allow_subdomains: r.allowSubdomains,
        allow_bare_domains: r.allowBareDomains,
        allow_glob_domains: r.allowGlobDomains,
        allow_localhost: r.allowLocalhost,
        allow_any_name: r.allowAnyName,
        enforce_hostnames: r.enforceHostnames,
        allow_ip_sans: r.allowIpSans,
        ttl: r.ttl,
        max_ttl: r.maxTtl,
        key_type: r.keyType,
        key_bits: r.keyType === 'any' ? 0 : keySpec(r.keyType, r.keyBits).bits,
        server_flag: r.serverFlag,
        client_flag: r.clientFlag,
        generate_lease: false,
        no_store: false,
        issuer_ref: 'default',
      },
    };
  };

  const issue = async (roleName: string, body: Body): Promise<EngineResponse> => {
    const role = state.roles[roleName];
    if (!role) throw new VaultError(400, `unknown role: ${roleName}`);
    const ca = state.ca;
    if (!ca) throw new VaultError(400, 'no default issuer currently configured');
    const commonName = str(body, 'common_name');
    if (commonName === '') {
      throw new VaultError(
        400,
        'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true',
      );
    }
    const altNames = strList(body, 'alt_names');
    const ipSans = strList(body, 'ip_sans');
    checkNames(commonName, altNames, ipSans, role);

    const warnings: string[] = [];
    const maxTtl = role.maxTtl > 0 ? role.maxTtl : MOUNT_MAX_TTL;
    let ttl = has(body, 'ttl')
      ? parseDuration(body['ttl'], 0, 'ttl')
      : role.ttl > 0
        ? role.ttl
        : maxTtl;
    if (ttl > maxTtl) {
      warnings.push(
        `TTL "${formatDuration(ttl)}" is longer than permitted maxTTL "${formatDuration(maxTtl)}", so maxTTL is being used`,
      );
      ttl = maxTtl;
    }
    const notAfter = new Date(now() + ttl * 1000);
    if (notAfter.getTime() > ca.notAfterMs) {
      throw new VaultError(
        400,
        `cannot satisfy request, as TTL would result in notAfter of ${notAfter.toISOString()} that is beyond the expiration of the CA certificate at ${new Date(ca.notAfterMs).toISOString()}`,
      );
    }

    const spec = keySpec(role.keyType, role.keyBits);
    const {
      x509,
      generateKeys,
      newSerial,
      signingAlgorithm,
      exportPkcs8,
      privateKeyPem,
      importSigningKey,
    } = await loadX509();
    const keys = await generateKeys(spec);
    const caCert = new x509.X509Certificate(ca.certificate);
    const signingKey = await importSigningKey(Buffer.from(ca.keyPkcs8, 'base64'), ca.keySpec);
    const dnsNames = [
      ...new Set([
        ...(isIP(commonName) || bool(body, 'exclude_cn_from_sans', false) ? [] : [commonName]),
        ...altNames,
      ]),
    ];
    const ips = [...new Set([...ipSans, ...(isIP(commonName) ? [commonName] : [])])];
    const usages: string[] = [];
    if (role.serverFlag) usages.push(x509.ExtendedKeyUsage.serverAuth);
    if (role.clientFlag) usages.push(x509.ExtendedKeyUsage.clientAuth);
    const serial = newSerial();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial.hex,
      subject: [{ CN: [commonName] }],
      issuer: caCert.subject,
      notBefore: new Date(now() - 30_000),
      notAfter,
      publicKey: keys.publicKey,
      signingKey,
      signingAlgorithm: signingAlgorithm(ca.keySpec),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature |
            x509.KeyUsageFlags.keyEncipherment |
            x509.KeyUsageFlags.keyAgreement,
          true,
        ),
        ...(usages.length > 0 ? [new x509.ExtendedKeyUsageExtension(usages)] : []),
        ...(dnsNames.length + ips.length > 0
          ? [
              new x509.SubjectAlternativeNameExtension([
                ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
                ...ips.map((value) => ({ type: 'ip' as const, value })),
              ]),
            ]
          : []),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
      ],
    });
    const pem = cert.toString('pem');
    state.certs[serial.colon] = pem;
    return {
      status: 200,
      warnings,
      data: {
        certificate: pem,
        issuing_ca: ca.certificate,
        ca_chain: [ca.certificate, ...(ca.chain ?? [])],
        private_key: privateKeyPem(await exportPkcs8(keys.privateKey), spec),
        private_key_type: spec.type,
        serial_number: serial.colon,
        expiration: Math.floor(notAfter.getTime() / 1000),
      },
    };
  };

  /** intermediate/*, root/sign-intermediate and sign/:role (pki-intermediate.ts). */
  const routeIntermediate = async (
    op: EngineRequest['operation'],
    path: string,
    body: Body,
  ): Promise<EngineResponse | undefined> => {
    if (op !== 'create' && op !== 'update') return undefined;
    if (path === 'intermediate/generate/internal') {
      const { pending, data } = await generateIntermediateCsr(body);
      state.pending = pending;
      return { status: 200, data };
    }
    if (path === 'intermediate/generate/exported') {
      throw new VaultError(400, 'intermediate/generate/exported is not supported by this double');
    }
    if (path === 'root/sign-intermediate') {
      const { data, serial, pem, warnings } = await signIntermediate(
        caOrFail(),
        body,
        now(),
        MOUNT_MAX_TTL,
      );
      state.certs[serial] = pem;
      return { status: 200, data, warnings };
    }
    if (path === 'intermediate/set-signed') {
      const { issuer, data } = await setSigned(state.pending, body);
      state.ca = issuer;
      state.pending = undefined;
      state.certs[issuer.serial] = issuer.certificate;
      return { status: 200, data };
    }
    const signRole = /^sign\/([^/]+)$/.exec(path)?.[1];
    if (signRole !== undefined) {
      const role = state.roles[signRole];
      if (!role) throw new VaultError(400, `unknown role: ${signRole}`);
      const { data, serial, pem, warnings } = await signLeaf(
        caOrFail(),
        body,
        now(),
        role,
        MOUNT_MAX_TTL,
      );
      state.certs[serial] = pem;
      return { status: 200, data, warnings };
    }
    return undefined;
  };

  const caOrFail = (): CaState => {
    if (!state.ca) throw new VaultError(400, 'no default issuer currently configured');
    return state.ca;
  };

  const route = async (req: EngineRequest): Promise<EngineResponse> => {
    const { operation: op, path, body } = req;
    const write = op === 'create' || op === 'update';
    // An empty body when the mount has no issuer yet: Consul's provider_vault.go getCA reads that
    // as "mounted, not initialized". ca_chain is the issuer and every CA above it.
    if (path === 'ca/pem' && op === 'read') {
      return {
        status: 200,
        raw: { contentType: 'application/pem-file', body: state.ca?.certificate ?? '' },
      };
    }
    if (path === 'ca_chain' && op === 'read') {
      const chain = state.ca ? [state.ca.certificate, ...(state.ca.chain ?? [])] : [];
      return { status: 200, raw: { contentType: 'application/pem-file', body: chain.join('\n') } };
    }
    const intermediate = await routeIntermediate(op, path, body);
    if (intermediate) return intermediate;
    if (path === 'cert/ca' && op === 'read') {
      return {
        status: 200,
        data: {
          certificate: caOrFail().certificate,
          revocation_time: 0,
          ca_chain: caOrFail().certificate,
        },
      };
    }
    if (path === 'certs' && op === 'list') {
      return { status: 200, data: { keys: Object.keys(state.certs) } };
    }
    const serial = /^cert\/([0-9a-fA-F:-]+)$/.exec(path)?.[1];
    if (serial !== undefined && op === 'read') {
      const normalized = serial.includes(':')
        ? serial.toLowerCase()
        : colonHex(serial.replaceAll('-', '').toLowerCase());
      const pem = state.certs[normalized] ?? state.certs[normalized.replaceAll('-', ':')];
      if (!pem) throw new VaultError(404, '');
      return { status: 200, data: { certificate: pem, revocation_time: 0 } };
    }
    const root = /^root\/generate\/(internal|exported)$/.exec(path)?.[1];
    if (root !== undefined && write) return generateRoot(root === 'exported', body);
    if (path === 'root' && op === 'delete') {
      state.ca = undefined;
      return { status: 204 };
    }
    if (path === 'roles' && op === 'list') {
      return { status: 200, data: { keys: Object.keys(state.roles).sort() } };
    }
    const roleName = /^roles\/([^/]+)$/.exec(path)?.[1];
    if (roleName !== undefined) {
      if (write) return writeRole(roleName, body);
      if (op === 'read') return readRole(roleName);
      if (op === 'delete') {
        delete state.roles[roleName];
        return { status: 204 };
      }
    }
    const issueRole = /^issue\/([^/]+)$/.exec(path)?.[1];
    if (issueRole !== undefined && write) return issue(issueRole, body);
    if (path === 'config/urls' && op === 'read') return readPkiUrls(state.urls);
    if (path === 'config/urls' && write) {
      state.urls = writePkiUrls(state.urls, body);
      return { status: 204 };
    }
    throw new VaultError(405, 'unsupported operation');
  };

  return {
    type: 'pki',
    exists(path) {
      const name = /^roles\/([^/]+)$/.exec(path)?.[1];
      return Promise.resolve(name === undefined || name in state.roles);
    },
    handle: route,
    isUnauthenticated: (path, operation) => operation === 'read' && isPkiUnauthenticated(path),
    close: () => Promise.resolve(),
    snapshot: () => state,
  };
}

/** Paths of a pki mount served without a token, as in Vault. */
export function isPkiUnauthenticated(path: string): boolean {
  return (
    ['ca/pem', 'ca_chain', 'cert/ca', 'ca', 'crl', 'crl/pem'].includes(path) ||
    /^cert\/[0-9a-fA-F:-]+$/.test(path)
  );
}
