import { commonConfigSchema, fields, vaultCredsKeys } from '@flowstack/config';
import {
  credsPathsOf,
  redisKeyPrefixFor,
  SERVICE_VAULT_NAMES,
  VAULT_MOUNTS,
  VAULT_NAMES,
} from '@flowstack/vault/paths';
import { z } from 'zod';

const { bool, port, positiveInt, text } = fields;

/** The API can serve HTTPS with a certificate from Vault's PKI, renewed at 2/3 of its life. */
const tlsKeys = {
  TLS_MODE: z
    .enum(['off', 'vault'])
    .default('off')
    .describe('off = plain HTTP; vault = HTTPS with a certificate issued by Vault PKI.'),
  TLS_PKI_PATH: text(
    `${VAULT_MOUNTS.pkiIntermediate}/issue/${VAULT_NAMES.pkiRole}`,
    "Vault PKI issue path (the api's own role).",
  ),
  TLS_COMMON_NAME: text(VAULT_NAMES.apiCertificateName, 'Common name of the certificate.'),
  TLS_ALT_NAMES: z
    .string()
    .default('localhost')
    .describe('Comma-separated DNS SANs of the certificate.'),
  TLS_IP_SANS: z.string().default('127.0.0.1').describe('Comma-separated IP SANs.'),
  TLS_CERT_TTL: text('24h', 'Lifetime asked for each certificate.'),
};

/** Every key the api reads: the shared ones, its Vault roles and TLS, HTTP and cache limits. */
// safeExtend: overriding a shared key (REDIS_KEY_PREFIX) keeps the shared checks.
export const apiConfigSchema = commonConfigSchema
  .safeExtend({
    ...vaultCredsKeys(credsPathsOf(SERVICE_VAULT_NAMES.api)),
    ...tlsKeys,
    REDIS_KEY_PREFIX: text(
      redisKeyPrefixFor('api'),
      'Prefix of every Redis key this process writes; its Vault-issued Redis user may touch these keys only (<base><service>:, see infra/vault).',
    ),
    PORT: port(3000, 'HTTP port of the API (0 = any free port).'),
    HOST: text('0.0.0.0', 'Address the API listens on.'),
    HTTP_BODY_LIMIT: text('16kb', 'Largest JSON body accepted; larger bodies get 413.'),
    HTTP_REQUEST_TIMEOUT_MS: positiveInt(10_000, 'Time a client has to send a whole request.'),
    HTTP_HEADERS_TIMEOUT_MS: positiveInt(5_000, 'Time a client has to send the request headers.'),
    HTTP_IDLE_CONNECTION_TIMEOUT_MS: positiveInt(
      4_000,
      'Time a new connection may stay silent before its first byte; then it is closed. At most HTTP_HEADERS_TIMEOUT_MS.',
    ),
    HTTP_MAX_PENDING_RESPONSES: positiveInt(
      32,
      'Pipelined requests one connection may have waiting for their answers; later ones get 503 and the connection closes.',
    ),
    HTTP_WRITE_STALL_TIMEOUT_MS: positiveInt(
      10_000,
      'A connection whose unsent answers have not moved for this long (a peer that does not read) is destroyed.',
    ),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt(
      65_000,
      'Idle keep-alive timeout; longer than the proxy in front (Traefik) to avoid 502s.',
    ),
    CACHE_TTL_SECONDS: positiveInt(60, 'Lifetime of cached catalog entries in Redis.'),
    PENDING_ORDER_TTL_SECONDS: positiveInt(
      86_400,
      'Lifetime of an Idempotency-Key claim in Redis (fingerprint, accept time); it outlives the stored order, so the key reused with another body stays a 422.',
    ),
    PUBLISH_CONFIRM_TIMEOUT_MS: positiveInt(
      5_000,
      'How long a POST waits for the broker to confirm before answering 503.',
    ),
    ACCEPT_ORDERS: bool(true, 'When false, POST /v1/orders answers 503 (maintenance switch).'),
    ORDER_ID_SECRET: z
      .string()
      .optional()
      .refine((value) => value === undefined || Buffer.from(value, 'base64').length >= 32, {
        message: 'must be base64 of at least 32 bytes',
      })
      .describe(
        'Base64 key (32+ bytes) of the HMAC that derives order ids from Idempotency-Keys; the same in every api instance. Unset with Vault on: order_id_secret of the api KV config (the Vault bootstrap writes it). Unset without Vault: public UUIDv5 ids.',
      ),
    RATE_LIMIT_REQUESTS_PER_SECOND: z.coerce
      .number()
      .min(0)
      .default(0)
      .describe(
        'Sustained requests per second one client (IPv6: one /56) may make: RATE_LIMIT_BURST requests per window of RATE_LIMIT_BURST / this many seconds; 0 = off. Health and metrics are exempt.',
      ),
    RATE_LIMIT_BURST: positiveInt(
      50,
      'Requests one client may make in one window (at once) before it gets 429.',
    ),
    API_DOCS_ENABLED: bool(
      false,
      'Serve interactive API docs (Swagger UI) at /docs; the document itself is always at /openapi.json. npm run dev turns it on.',
    ),
    // In-process cache tier in front of Redis (catalog and stored orders), see @flowstack/cache.
    CACHE_LOCAL_TTL_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(5_000)
      .describe(
        'Longest an entry is served from the in-process tier if an invalidation is missed (cross-instance invalidation goes over Redis pub/sub); 0 = no in-process tier.',
      ),
    CACHE_LOCAL_MAX_ENTRIES: positiveInt(10_000, 'Most entries in the in-process cache tier.'),
    CACHE_LOCAL_MAX_BYTES: positiveInt(
      16 * 1024 * 1024,
      'Most bytes of cached JSON text in the in-process cache tier.',
    ),
  })
  // Node answers 408 at headersTimeout to a socket that never sent a byte, so an idle cut after
  // it never applies; Node itself throws at start-up when headersTimeout exceeds requestTimeout.
  .refine((config) => config.HTTP_IDLE_CONNECTION_TIMEOUT_MS <= config.HTTP_HEADERS_TIMEOUT_MS, {
    message: 'HTTP_IDLE_CONNECTION_TIMEOUT_MS must not exceed HTTP_HEADERS_TIMEOUT_MS.',
    path: ['HTTP_IDLE_CONNECTION_TIMEOUT_MS'],
  })
  .refine((config) => config.HTTP_HEADERS_TIMEOUT_MS <= config.HTTP_REQUEST_TIMEOUT_MS, {
    message: 'HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS.',
    path: ['HTTP_HEADERS_TIMEOUT_MS'],
  });

export type ApiConfig = z.output<typeof apiConfigSchema>;
