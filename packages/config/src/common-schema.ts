import { z } from 'zod';
import { apiTlsKeys, vaultCredsKeys, vaultKeys } from './vault-keys.js';
import { consulKeys } from './consul-keys.js';
import { dataTlsKeys, requireTlsCaFiles } from './data-tls-keys.js';
import { tracingKeys } from './tracing-keys.js';
import {
  bool,
  brokerList,
  logLevel,
  msList,
  optionalSecret,
  port,
  positiveInt,
  text,
} from './fields.js';

/** Keys every flowstack process shares: logging, shutdown, and the three data services. */
const common = {
  LOG_LEVEL: logLevel,
  SHUTDOWN_TIMEOUT_MS: positiveInt(
    10_000,
    'Upper bound for each shutdown step; the Nomad kill_timeout must be longer than the sum.',
  ),
  DRAIN_DELAY_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('Time between readiness going 503 and closing listeners, so load balancers notice.'),
  POSTGRES_HOST: text('127.0.0.1', 'PostgreSQL host.'),
  POSTGRES_PORT: port(5432, 'PostgreSQL port.'),
  POSTGRES_DB: text('flowstack', 'PostgreSQL database name.'),
  POSTGRES_USER: text('postgres', 'PostgreSQL user (static credentials).'),
  POSTGRES_PASSWORD: optionalSecret('PostgreSQL password (static credentials).'),
  POSTGRES_POOL_MAX: positiveInt(10, 'Maximum connections in the PostgreSQL pool.'),
  POSTGRES_STATEMENT_TIMEOUT_MS: positiveInt(5_000, 'statement_timeout for every query.'),
  REDIS_HOST: text('127.0.0.1', 'Redis host.'),
  REDIS_PORT: port(6379, 'Redis port.'),
  REDIS_USERNAME: z
    .string()
    .optional()
    .describe('Redis ACL user (static credentials); unset = default user.'),
  REDIS_PASSWORD: optionalSecret('Redis password (static credentials).'),
  REDIS_KEY_PREFIX: text(
    'flowstack:',
    'Prefix of every Redis key this process writes (api and worker default to their own, flowstack:<service>:).',
  ),
  REDIS_COMMAND_TIMEOUT_MS: positiveInt(
    250,
    'Redis command timeout; past it a read falls back to PostgreSQL instead of waiting.',
  ),
  RABBITMQ_HOST: text('127.0.0.1', 'RabbitMQ host.'),
  RABBITMQ_PORT: port(5672, 'RabbitMQ AMQP port.'),
  RABBITMQ_HOSTS: brokerList(
    'RabbitMQ cluster nodes as comma-separated host:port ([v6]:port); when set it replaces RABBITMQ_HOST/RABBITMQ_PORT and the connection tries the nodes in turn.',
  ),
  RABBITMQ_QUEUE_TYPE: z
    .enum(['quorum', 'classic'])
    .default('quorum')
    .describe(
      'Type of the queues this process declares: quorum (replicated, the default) or classic. An existing queue of the other type is not changed: run `npm run -w @flowstack/worker queues:migrate`.',
    ),
  RABBITMQ_VHOST: text('/', 'RabbitMQ virtual host.'),
  RABBITMQ_USER: text('guest', 'RabbitMQ user (static credentials).'),
  RABBITMQ_PASSWORD: optionalSecret('RabbitMQ password (static credentials).'),
  ORDERS_EXCHANGE: text('flowstack.orders', 'Topic exchange that order events are published to.'),
  ORDERS_QUEUE: text('flowstack.orders.store', 'Queue the worker consumes order.created from.'),
  ...dataTlsKeys,
  ORDERS_EXCHANGE_DECLARE: bool(
    true,
    'Declare the orders exchange at start; false: only check that it exists. Vault-issued RabbitMQ users may not configure (so neither delete) it: with them the bootstrap declares it and this is false.',
  ),
  ...vaultKeys,
  ...consulKeys,
  ...tracingKeys,
};

export const commonConfigSchema = z.object(common);

export const apiConfigSchema = z
  .object({
    ...common,
    ...vaultCredsKeys({ postgres: 'api-readonly', redis: 'api-cache', rabbitmq: 'api-publisher' }),
    ...apiTlsKeys,
    REDIS_KEY_PREFIX: text(
      'flowstack:api:',
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
  })
  .superRefine(requireTlsCaFiles);

export const workerConfigSchema = z
  .object({
    ...common,
    ...vaultCredsKeys({
      postgres: 'worker-readwrite',
      redis: 'worker-cache',
      rabbitmq: 'worker-consumer',
    }),
    REDIS_KEY_PREFIX: text(
      'flowstack:worker:',
      'Prefix of every Redis key this process writes; its Vault-issued Redis user may touch these keys only (<base><service>:, see infra/vault).',
    ),
    HEALTH_PORT: port(3001, 'Port of the worker health and metrics server (0 = any free port).'),
    HOST: text('0.0.0.0', 'Address the health server listens on.'),
    WORKER_PREFETCH: positiveInt(
      200,
      'Unacknowledged messages the broker may hand this worker (two batches in flight by default).',
    ),
    WORKER_BATCH_SIZE: positiveInt(
      100,
      'Orders stored per transaction, capped at half of WORKER_PREFETCH so the next batch fills while one commits; 1 = one transaction per message.',
    ),
    WORKER_MAX_ATTEMPTS: positiveInt(
      5,
      'Attempts per message (first delivery included) before it is dead-lettered.',
    ),
    WORKER_RETRY_DELAYS_MS: msList(
      '1000,5000,30000',
      'Delay before each retry; the last value repeats for later attempts.',
    ),
    CACHE_TTL_SECONDS: positiveInt(60, 'Lifetime of cached entries the worker writes.'),
  })
  .superRefine(requireTlsCaFiles);

export type CommonConfig = z.output<typeof commonConfigSchema>;
export type ApiConfig = z.output<typeof apiConfigSchema>;
export type WorkerConfig = z.output<typeof workerConfigSchema>;
