import { randomUUID } from 'node:crypto';
import { createConsulClient, type ConsulClient } from '@flowstack/consul';
import { startConsulDouble } from '@flowstack/consul-double';
import { bootstrapConsul, readDesiredState } from '@flowstack/infra-consul';
import type { Logger } from '@flowstack/observability';
import { z } from 'zod';

export interface LocalConsul {
  /** HTTP address of the Consul double. */
  url: string;
  /** host:port of its DNS interface. */
  dns: string;
  /** The management token (ACLs are on, default deny): for the operator and the tests only. */
  managementToken: string;
  /**
   * CONSUL_* keys that make a service register itself, find its dependencies and watch KV, with
   * a token of its own policy (infra/consul/policies/flowstack-<service>.hcl).
   */
  serviceEnv(service: 'api' | 'worker'): Record<string, string>;
  stop(): Promise<void>;
}

/** The data services the local stack registers, and the only identity allowed to. */
export const DATA_SERVICES = ['postgres', 'redis', 'rabbitmq'] as const;
export const DATA_SERVICES_POLICY = 'flowstack-local-data-services';
const DNS_POLICY = 'flowstack-local-dns';
const dataServicesRules = DATA_SERVICES.map(
  (name) => `service "${name}" {\n  policy = "write"\n}`,
).join('\n');

/**
 * Starts the Consul double with ACLs on (default deny, a random management token), applies
 * infra/consul (intentions, service-defaults, the services' policies), makes one token per
 * service from those policies, and registers the machine's PostgreSQL, Redis and RabbitMQ as
 * `postgres`, `redis` and `rabbitmq` with TCP checks, through a token that may write only those
 * three. So api and worker find them the way they would in a cluster, and nobody without one of
 * these tokens can register, move or deregister them.
 */
export async function startLocalConsul(options: {
  env: Record<string, string | undefined>;
  logger: Logger;
  port?: number;
  dnsPort?: number;
}): Promise<LocalConsul> {
  const managementToken = randomUUID();
  const double = await startConsulDouble({
    port: options.port ?? 0,
    dnsPort: options.dnsPort ?? 0,
    aclToken: managementToken,
  });
  const clientWith = (token: string) =>
    createConsulClient({ address: double.url, token, logger: options.logger });
  const admin = clientWith(managementToken);
  let registrar: ConsulClient | undefined;
  let tokens: Record<'api' | 'worker', string>;
  try {
    await bootstrapConsul(admin, await readDesiredState());
    tokens = {
      api: await createToken(admin, 'flowstack-api'),
      worker: await createToken(admin, 'flowstack-worker'),
    };
    await createPolicy(admin, DATA_SERVICES_POLICY, dataServicesRules);
    // DNS answers with the agent's `dns` token: reading the catalog, as Consul's docs set it up.
    await createPolicy(
      admin,
      DNS_POLICY,
      'service_prefix "" { policy = "read" }\nnode_prefix "" { policy = "read" }',
    );
    await expectOk(
      'setting the DNS token',
      admin.request('PUT', '/v1/agent/token/dns', { Token: await createToken(admin, DNS_POLICY) }),
    );
    registrar = clientWith(await createToken(admin, DATA_SERVICES_POLICY));
    const where: Record<(typeof DATA_SERVICES)[number], [string, string]> = {
      postgres: [options.env.POSTGRES_HOST ?? '127.0.0.1', options.env.POSTGRES_PORT ?? '5432'],
      redis: [options.env.REDIS_HOST ?? '127.0.0.1', options.env.REDIS_PORT ?? '6379'],
      rabbitmq: [options.env.RABBITMQ_HOST ?? '127.0.0.1', options.env.RABBITMQ_PORT ?? '5672'],
    };
    for (const name of DATA_SERVICES) {
      const [host, port] = where[name];
      await registrar.registerService({
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
    admin.close();
    registrar?.close();
    await double.stop();
    throw error;
  }
  admin.close();
  registrar.close();
  const dns = `${double.host}:${double.dnsPort}`;
  return {
    url: double.url,
    dns,
    managementToken,
    serviceEnv: (service) => ({
      CONSUL_HTTP_ADDR: double.url,
      CONSUL_HTTP_TOKEN: tokens[service],
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

async function expectOk(
  what: string,
  answer: Promise<{ status: number; text: string }>,
): Promise<string> {
  const { status, text } = await answer;
  if (status !== 200) throw new Error(`local Consul: ${what}: ${status} ${text}`);
  return text;
}

async function createPolicy(admin: ConsulClient, name: string, rules: string): Promise<void> {
  await expectOk(
    `creating policy ${name}`,
    admin.request('PUT', '/v1/acl/policy', {
      Name: name,
      Description: `flowstack dev stack: ${name}`,
      Rules: rules,
    }),
  );
}

const tokenSchema = z.object({ SecretID: z.string().min(1) });

async function createToken(admin: ConsulClient, policy: string): Promise<string> {
  const text = await expectOk(
    `creating a token for ${policy}`,
    admin.request('PUT', '/v1/acl/token', {
      Description: `flowstack dev stack: ${policy}`,
      Policies: [{ Name: policy }],
    }),
  );
  return tokenSchema.parse(JSON.parse(text)).SecretID;
}
