import { z } from 'zod';
import { bool, optionalSecret, text } from './fields.js';

const goDuration = (fallback: string, description: string) =>
  z
    .string()
    .regex(/^\d+(ms|s|m|h)$/, 'expected a duration such as 500ms, 10s, 1m')
    .default(fallback)
    .describe(description);

/**
 * Consul keys every process shares. All features are off by default: under Nomad the job's
 * `service` blocks register the process and addresses come from templates; outside Nomad the
 * local stack switches them on.
 */
export const consulKeys = {
  CONSUL_HTTP_ADDR: text('http://127.0.0.1:8500', 'Consul agent HTTP address.'),
  CONSUL_HTTP_TOKEN: optionalSecret('Consul ACL token (Nomad workload identity: CONSUL_TOKEN).'),
  CONSUL_REGISTER: bool(
    false,
    'Register this process in Consul (runs outside Nomad) and deregister it on shutdown.',
  ),
  CONSUL_SERVICE_ADDRESS: text(
    '127.0.0.1',
    'Address registered in Consul, which its HTTP check and clients use to reach this process.',
  ),
  CONSUL_SERVICE_ID: z
    .string()
    .min(1)
    .optional()
    .describe('Service ID to register (default: flowstack-<service>-<address>-<port>).'),
  CONSUL_CHECK: z
    .enum(['http', 'ttl'])
    .default('http')
    .describe('http = Consul probes /health/ready; ttl = the process reports its readiness.'),
  CONSUL_CHECK_INTERVAL: goDuration(
    '5s',
    'Interval of the HTTP check (and the TTL is three of these).',
  ),
  CONSUL_DEREGISTER_CRITICAL_AFTER: goDuration(
    '1m',
    'DeregisterCriticalServiceAfter: Consul removes an instance critical for this long.',
  ),
  CONSUL_DISCOVERY: z
    .enum(['off', 'http', 'dns'])
    .default('off')
    .describe(
      'Find PostgreSQL, Redis and RabbitMQ through Consul (healthy instances, followed as they move) instead of the `*_HOST`/`*_PORT` keys.',
    ),
  CONSUL_DISCOVERY_REQUIRE_ACL: bool(
    true,
    'With CONSUL_DISCOVERY on, start only against a Consul that enforces ACLs with default policy deny (so only a token with service:write on postgres, redis or rabbitmq can place their instances) and with CONSUL_HTTP_TOKEN set. false trusts any Consul (a dev agent without ACLs).',
  ),
  CONSUL_DNS_SERVER: text(
    '127.0.0.1:8600',
    'Consul DNS server (host:port) for CONSUL_DISCOVERY=dns.',
  ),
  CONSUL_POSTGRES_SERVICE: text('postgres', 'Consul service name of PostgreSQL.'),
  CONSUL_REDIS_SERVICE: text('redis', 'Consul service name of Redis.'),
  CONSUL_RABBITMQ_SERVICE: text('rabbitmq', 'Consul service name of RabbitMQ.'),
  CONSUL_LIVE_CONFIG: bool(
    false,
    'Watch Consul KV flowstack/config/<service>/<KEY> and apply live keys without a restart.',
  ),
};

/** Keys that may change at runtime through Consul KV; the code reads them per use. */
export const liveConfigKeys = {
  api: ['ACCEPT_ORDERS', 'CACHE_TTL_SECONDS', 'PENDING_ORDER_TTL_SECONDS', 'LOG_LEVEL'],
  worker: ['CACHE_TTL_SECONDS', 'LOG_LEVEL'],
} as const;
