import { X509Certificate } from 'node:crypto';
import type { Logger } from '@flowstack/observability';
import { pkiIssueSchema } from './schemas.js';
import {
  backoffDelayMs,
  renewAtFractionMs,
  retryDelayBeforeMs,
  type BackoffOptions,
} from './timing.js';
import type { VaultHttp } from './vault-http.js';
import type { VaultMetrics } from './vault-metrics.js';

/** A certificate and its key; the key is non-enumerable so it never reaches a log line. */
export interface IssuedCertificate {
  readonly certificate: string;
  readonly privateKey: string;
  /** Issuing CA and its parents, PEM. */
  readonly caChain: string[];
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface CertificateSpec {
  /** e.g. pki_int/issue/flowstack-api */
  path: string;
  commonName: string;
  altNames?: string[];
  ipSans?: string[];
  /** e.g. "24h" (default: the role's TTL). */
  ttl?: string | undefined;
}

export interface CertificateManager {
  current(): IssuedCertificate;
  /** Called with each new certificate (issued at 2/3 of the previous one's lifetime). */
  onRenew(listener: (next: IssuedCertificate) => void | Promise<void>): () => void;
  close(): void;
}

export async function issueCertificate(
  http: VaultHttp,
  spec: CertificateSpec,
): Promise<IssuedCertificate> {
  const answer = await http.write(
    spec.path,
    {
      common_name: spec.commonName,
      ...(spec.altNames?.length ? { alt_names: spec.altNames.join(',') } : {}),
      ...(spec.ipSans?.length ? { ip_sans: spec.ipSans.join(',') } : {}),
      ...(spec.ttl === undefined ? {} : { ttl: spec.ttl }),
      format: 'pem',
    },
    pkiIssueSchema,
  );
  const x509 = new X509Certificate(answer.data.certificate);
  const issued = {
    certificate: answer.data.certificate,
    caChain:
      answer.data.ca_chain ??
      (answer.data.issuing_ca === undefined ? [] : [answer.data.issuing_ca]),
    serialNumber: answer.data.serial_number,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
  };
  Object.defineProperty(issued, 'privateKey', {
    value: answer.data.private_key,
    enumerable: false,
  });
  return Object.freeze(issued) as IssuedCertificate;
}

/** Issues a certificate now and a new one at 2/3 of each certificate's lifetime. */
export async function manageCertificate(options: {
  http: VaultHttp;
  spec: CertificateSpec;
  logger: Logger;
  metrics: VaultMetrics;
  backoff?: BackoffOptions;
}): Promise<CertificateManager> {
  const { http, spec, metrics } = options;
  const log = options.logger.child({
    component: 'vault-pki',
    path: spec.path,
    commonName: spec.commonName,
  });
  let current = await issueCertificate(http, spec);
  const listeners = new Set<(next: IssuedCertificate) => void | Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let failures = 0;
  const untrack = metrics.trackExpiry(`certificate:${spec.commonName}`, () => current.notAfter);

  const schedule = (delayMs: number) => {
    clearTimeout(timer);
    if (closed) return;
    timer = setTimeout(() => void renew(), delayMs);
    timer.unref();
  };
  const renew = async () => {
    try {
      const next = await issueCertificate(http, spec);
      current = next;
      failures = 0;
      metrics.renewals.inc({ secret: `certificate:${spec.commonName}` });
      log.info({ serialNumber: next.serialNumber, notAfter: next.notAfter }, 'certificate renewed');
      for (const listener of listeners) {
        try {
          await listener(next);
        } catch (error) {
          log.error({ err: error }, 'certificate listener failed');
        }
      }
      schedule(renewAtFractionMs(new Date(), next.notAfter, new Date()));
    } catch (error) {
      metrics.failures.inc({ operation: 'certificate-issue' });
      const msLeft = current.notAfter.getTime() - Date.now();
      const delay =
        msLeft > 0
          ? retryDelayBeforeMs(failures, msLeft, options.backoff)
          : backoffDelayMs(failures, options.backoff);
      failures += 1;
      log.warn({ err: error, retryInMs: delay }, 'certificate not renewed; retrying');
      schedule(delay);
    }
  };
  log.info(
    { serialNumber: current.serialNumber, notAfter: current.notAfter },
    'certificate issued',
  );
  // notBefore is backdated by Vault (30 s), so 2/3 is measured from when we got it.
  schedule(renewAtFractionMs(new Date(), current.notAfter, new Date()));

  return {
    current: () => current,
    onRenew(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close() {
      closed = true;
      clearTimeout(timer);
      untrack();
    },
  };
}
