import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AppError } from '@flowstack/errors';
import type { Logger } from '@flowstack/observability';
import { createHttpGuard, type DataServices } from '@flowstack/service-kit';
import type { ApiConfig } from './config.js';

type VaultClient = NonNullable<DataServices['vault']>;
type IssuedCertificate = ReturnType<
  Awaited<ReturnType<VaultClient['manageCertificate']>>['current']
>;

export interface ApiServer {
  server: Server;
  scheme: 'http' | 'https';
  /** Stops certificate renewal (the server itself is closed by whoever listens on it). */
  close(): void;
}

/** Time a peer has to read an error answer (408, 400) before its socket is destroyed. */
const CLOSE_GRACE_MS = 1_000;

const splitList = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

/** Leaf first, then the issuing CA, so clients that trust only the root can build the chain. */
const secureContextOf = (issued: IssuedCertificate) => ({
  key: issued.privateKey,
  cert: [issued.certificate, ...issued.caChain].join('\n'),
});

/**
 * The api's listening server: plain HTTP (TLS_MODE=off), or HTTPS with a certificate from Vault PKI
 * (TLS_MODE=vault). The certificate is renewed at 2/3 of its lifetime and swapped with
 * `setSecureContext`: connections already open keep their session, new handshakes get the new one.
 */
export async function createApiServer(options: {
  config: ApiConfig;
  app: RequestListener;
  vault: VaultClient | undefined;
  logger: Logger;
}): Promise<ApiServer> {
  const { config } = options;
  // Silent, slow, pipelining and never-reading peers are all released by the guard's timers,
  // whatever the timeouts (the schema keeps them ordered); see docs/security.md.
  const guard = createHttpGuard({
    silentMs: config.HTTP_IDLE_CONNECTION_TIMEOUT_MS,
    maxPendingResponses: config.HTTP_MAX_PENDING_RESPONSES,
    writeStallMs: config.HTTP_WRITE_STALL_TIMEOUT_MS,
    closeGraceMs: CLOSE_GRACE_MS,
  });
  const app = guard.handle(options.app);
  const httpOptions = {
    ...guard.serverOptions,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    // The default sweep runs every 30 s, which would let a slow client outstay its timeouts.
    connectionsCheckingInterval: Math.min(1_000, config.HTTP_HEADERS_TIMEOUT_MS),
  };
  if (config.TLS_MODE === 'off') {
    const server = createHttpServer(httpOptions, app);
    guard.attach(server);
    return { server, scheme: 'http', close: () => undefined };
  }
  if (options.vault === undefined) {
    throw new AppError(
      'TLS_MODE=vault needs Vault: set VAULT_AUTH_METHOD (token, jwt or approle).',
      {
        status: 500,
        code: 'config-invalid',
        isOperational: false,
      },
    );
  }
  const certificates = await options.vault.manageCertificate({
    path: config.TLS_PKI_PATH,
    commonName: config.TLS_COMMON_NAME,
    altNames: splitList(config.TLS_ALT_NAMES),
    ipSans: splitList(config.TLS_IP_SANS),
    ttl: config.TLS_CERT_TTL,
  });
  const server = createHttpsServer(
    { ...httpOptions, ...secureContextOf(certificates.current()) },
    app,
  );
  guard.attach(server);
  const log = options.logger.child({ component: 'tls' });
  const unsubscribe = certificates.onRenew((next) => {
    server.setSecureContext(secureContextOf(next));
    log.info({ serialNumber: next.serialNumber, notAfter: next.notAfter }, 'certificate swapped');
  });
  return {
    server,
    scheme: 'https',
    close() {
      unsubscribe();
      certificates.close();
    },
  };
}
