import { createStaticCredentialSource } from '@flowstack/credentials';
import { createLogger, createMetrics } from '@flowstack/observability';
import { createQueueConnection, type QueueConnection } from '@flowstack/queue';
import type { WorkerConfig } from '../../config.js';

/** The connection an operator command opens: the worker's broker, static credentials, no logs. */
export function openCliQueueConnection(config: WorkerConfig, name: string): QueueConnection {
  return createQueueConnection({
    host: config.RABBITMQ_HOST,
    port: config.RABBITMQ_PORT,
    nodes: config.RABBITMQ_HOSTS,
    vhost: config.RABBITMQ_VHOST,
    credentials: createStaticCredentialSource({
      username: config.RABBITMQ_USER,
      password: config.RABBITMQ_PASSWORD,
    }),
    logger: createLogger({ service: name, level: 'silent' }),
    metrics: createMetrics({ service: name, defaultMetrics: false }).queue,
    connectionName: name,
    reconnect: { initialDelayMs: 200, maxDelayMs: 1_000 },
  });
}
