import { createConsulClient } from '@flowstack/consul';
import { startConsulDouble } from '@flowstack/consul-double';
import { bootstrapConsul, readDesiredState } from '@flowstack/infra-consul';
import type { Logger } from '@flowstack/observability';

export interface LocalConsul {
  /** HTTP address of the Consul double. */
  url: string;
  /** host:port of its DNS interface. */
  dns: string;
  /** CONSUL_* keys that make a service register itself, find its dependencies and watch KV. */
  serviceEnv(): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts the Consul double, applies infra/consul (intentions, service-defaults), and registers
 * the machine's PostgreSQL, Redis and RabbitMQ as `postgres`, `redis` and `rabbitmq` with TCP
 * checks, so api and worker find them the way they would in a cluster.
 */
export async function startLocalConsul(options: {
  env: Record<string, string | undefined>;
  logger: Logger;
  port?: number;
  dnsPort?: number;
}): Promise<LocalConsul> {
  const double = await startConsulDouble({
    port: options.port ?? 0,
    dnsPort: options.dnsPort ?? 0,
  });
  const client = createConsulClient({ address: double.url, logger: options.logger });
  try {
    await bootstrapConsul(client, await readDesiredState());
    const dependencies = [
      ['postgres', options.env.POSTGRES_HOST ?? '127.0.0.1', options.env.POSTGRES_PORT ?? '5432'],
      ['redis', options.env.REDIS_HOST ?? '127.0.0.1', options.env.REDIS_PORT ?? '6379'],
      ['rabbitmq', options.env.RABBITMQ_HOST ?? '127.0.0.1', options.env.RABBITMQ_PORT ?? '5672'],
    ] as const;
    for (const [name, host, port] of dependencies) {
      await client.registerService({
        name,
        id: `${name}-local`,
        address: host,
        port: Number(port),
        checkId: `${name}-local-tcp`,
        check: {
          tcp: `${host}:${port}`,
          interval: '2s',
          timeout: '1s',
          deregisterCriticalServiceAfter: '24h',
        },
      });
    }
  } catch (error) {
    client.close();
    await double.stop();
    throw error;
  }
  client.close();
  const dns = `${double.host}:${double.dnsPort}`;
  return {
    url: double.url,
    dns,
    serviceEnv: () => ({
      CONSUL_HTTP_ADDR: double.url,
      CONSUL_REGISTER: 'true',
      CONSUL_SERVICE_ADDRESS: '127.0.0.1',
      CONSUL_CHECK_INTERVAL: '2s',
      CONSUL_DISCOVERY: 'http',
      CONSUL_DNS_SERVER: dns,
      CONSUL_LIVE_CONFIG: 'true',
    }),
    stop: () => double.stop(),
  };
}
