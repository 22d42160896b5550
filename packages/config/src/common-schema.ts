import { z } from 'zod';
import { requireVaultLoginInputs, vaultKeys } from './vault-keys.js';
import { consulKeys } from './consul-keys.js';
import { dataTlsKeys, requireTlsCaFiles } from './data-tls-keys.js';
import { tracingKeys } from './tracing-keys.js';
import { bool, brokerList, logLevel, optionalSecret, port, positiveInt, text } from './fields.js';

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

/**
 * The shared keys with their cross-field checks. A service schema extends it and keeps the checks
 * (`.extend`, or `.safeExtend` where it overrides a shared key: zod refuses `.extend` then), so a
 * half-configured Vault login or a TLS store without its CA fails at load time as a ConfigError,
 * before any connection opens.
 */
export const commonConfigSchema = z
  .object(common)
  .superRefine(requireTlsCaFiles)
  .superRefine(requireVaultLoginInputs);

export type CommonConfig = z.output<typeof commonConfigSchema>;
