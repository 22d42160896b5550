import type { CredentialSource } from '@flowstack/credentials';
import type { Logger } from '@flowstack/observability';
import type { Registry } from 'prom-client';
import type { VaultAuthConfig } from './auth-methods.js';
import { readKv } from './kv.js';
import { realClock, type VaultClock } from './clock.js';
import { createLeaseManager, type LeaseManager } from './lease-manager.js';
import { manageCertificate, type CertificateManager, type CertificateSpec } from './pki.js';
import type { BackoffOptions } from './timing.js';
import { createTokenManager } from './token-manager.js';
import { createTransit, type Transit } from './transit.js';
import { createVaultCredentialSource } from './vault-credential-source.js';
import { createVaultHttp, type VaultHttp } from './vault-http.js';
import { createVaultMetrics, type VaultMetrics } from './vault-metrics.js';

export interface VaultClientOptions {
  address: string;
  auth: VaultAuthConfig;
  logger: Logger;
  /** The process's metrics registry. */
  registry: Registry;
  timeoutMs?: number;
  namespace?: string | undefined;
  caCert?: string | undefined;
  backoff?: BackoffOptions;
  fileCheckIntervalMs?: number;
  /** What token renewals and lease rotations run on (default real time; tests: a manual one). */
  clock?: VaultClock;
}

export interface VaultClient {
  readonly http: VaultHttp;
  readonly metrics: VaultMetrics;
  readonly leases: LeaseManager;
  /** Logs in (retrying while Vault is unreachable, up to `timeoutMs`). Call once before use. */
  start(timeoutMs?: number): Promise<void>;
  /** Re-reads the token file or logs in again now (wire it to SIGHUP for Nomad's change_mode). */
  reloadToken(): Promise<void>;
  tokenExpiresAt(): Date | undefined;
  transit(key: string, mount?: string): Transit;
  readKv(
    path: string,
    options?: { mount?: string; version?: number },
  ): Promise<Record<string, unknown>>;
  /** A rotating username/password from database/creds/* or rabbitmq/creds/*. */
  credentialSource(options: {
    name: string;
    path: string;
    revokeGraceMs?: number;
  }): Promise<CredentialSource>;
  manageCertificate(spec: CertificateSpec): Promise<CertificateManager>;
  /** Revokes every lease, stops certificate renewal, then revokes the token it logged in for. */
  close(): Promise<void>;
}

export function createVaultClient(options: VaultClientOptions): VaultClient {
  const logger = options.logger.child({ component: 'vault' });
  const http = createVaultHttp({
    address: options.address,
    timeoutMs: options.timeoutMs,
    namespace: options.namespace,
    caCert: options.caCert,
  });
  const metrics = createVaultMetrics(options.registry);
  const backoff = options.backoff ?? {};
  const clock = options.clock ?? realClock;
  const token = createTokenManager({
    http,
    auth: options.auth,
    logger,
    metrics,
    backoff,
    clock,
    ...(options.fileCheckIntervalMs === undefined
      ? {}
      : { fileCheckIntervalMs: options.fileCheckIntervalMs }),
  });
  const leases = createLeaseManager({ http, logger, metrics, backoff, clock });
  const certificates = new Set<CertificateManager>();

  return {
    http,
    metrics,
    leases,
    start: (timeoutMs = 15_000) => token.start(timeoutMs),
    reloadToken: () => token.reload(),
    tokenExpiresAt: () => token.expiresAt(),
    transit: (key, mount) =>
      createTransit(http, { key, ...(mount === undefined ? {} : { mount }) }),
    readKv: (path, kvOptions) => readKv(http, path, kvOptions),
    credentialSource: (source) => createVaultCredentialSource({ leases, ...source }),
    async manageCertificate(spec) {
      const manager = await manageCertificate({ http, spec, logger, metrics, backoff });
      certificates.add(manager);
      return manager;
    },
    async close() {
      for (const manager of certificates) manager.close();
      await leases.close();
      await token.close();
    },
  };
}
