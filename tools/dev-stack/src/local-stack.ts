import { commonConfigSchema, loadConfig } from '@flowstack/config';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { migrateDatabase } from '@flowstack/domain';
import type { Logger } from '@flowstack/observability';
import { startLocalConsul, type LocalConsul } from './local-consul.js';
import {
  PG_AUTH,
  startLocalVault,
  type LocalVault,
  type LocalVaultOptions,
} from './local-vault.js';
import { devStackChecks, runPreflight } from './preflight.js';
import { spawnService, type ServiceProcess } from './service-process.js';

export interface LocalStack {
  api: ServiceProcess;
  worker: ServiceProcess;
  /** Present when the stack runs on Vault-issued credentials. */
  vault: LocalVault | undefined;
  /** Present when api and worker register in (and discover through) the Consul double. */
  consul: LocalConsul | undefined;
  stop(): Promise<void>;
}

/**
 * With Vault the services lease every credential; the administrators' static ones (RabbitMQ's
 * `guest`, for one) stay with the bootstrap and are not in their environment (F17).
 */
const STATIC_CREDENTIAL_KEYS = [
  'POSTGRES_USER',
  'POSTGRES_PASSWORD',
  'REDIS_USERNAME',
  'REDIS_PASSWORD',
  'RABBITMQ_USER',
  'RABBITMQ_PASSWORD',
];

export function withoutStaticCredentials(
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(env).filter(([key]) => !STATIC_CREDENTIAL_KEYS.includes(key)),
  );
}

export class MissingDependencyError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'MissingDependencyError';
  }
}

/**
 * Checks the three servers, migrates and seeds, then starts api and worker as real processes
 * with the given environment. Used by `npm run dev` and by the end-to-end tests alike.
 */
export async function startLocalStack(options: {
  env: Record<string, string | undefined>;
  logger: Logger;
  seed?: boolean;
  onLine?: (service: 'api' | 'worker', line: string, stream: 'stdout' | 'stderr') => void;
  /**
   * Start the Vault double, bootstrap it, and run api and worker on Vault-issued credentials
   * (JWT login); PostgreSQL is then the password-checking cluster on 5433.
   */
  vault?:
    | {
        port?: number;
        credentialTtl?: string;
        credentialMaxTtl?: string;
        servicesAddress?: string;
        identity?: LocalVaultOptions['identity'];
      }
    | undefined;
  /** Start the Consul double; api and worker register in it and find their dependencies there. */
  consul?: { port?: number; dnsPort?: number } | undefined;
}): Promise<LocalStack> {
  const checked =
    options.vault === undefined
      ? options.env
      : { ...options.env, POSTGRES_HOST: PG_AUTH.host, POSTGRES_PORT: String(PG_AUTH.port) };
  const problems = await runPreflight(
    devStackChecks({
      env: options.env,
      vault:
        options.vault === undefined
          ? undefined
          : { port: options.vault.port ?? 0, authCluster: PG_AUTH },
      ports: false,
    }),
  );
  if (problems.length > 0) throw new MissingDependencyError(problems);

  const vault =
    options.vault === undefined
      ? undefined
      : await startLocalVault({
          ...options.vault,
          env: options.env,
          logger: options.logger,
          seed: options.seed ?? true,
        });
  const consul =
    options.consul === undefined
      ? undefined
      : await startLocalConsul({ ...options.consul, env: checked, logger: options.logger });
  const config = loadConfig('dev-stack', commonConfigSchema, options.env);
  if (vault === undefined) {
    await migrateDatabase({
      host: config.POSTGRES_HOST,
      port: config.POSTGRES_PORT,
      database: config.POSTGRES_DB,
      credentials: createStaticCredentialSource({
        username: config.POSTGRES_USER,
        password: config.POSTGRES_PASSWORD,
      }),
      logger: options.logger,
      createDatabase: true,
      seed: options.seed ?? true,
    });
  }

  const spawnOne = (name: 'api' | 'worker') =>
    spawnService({
      name,
      env: {
        ...(vault === undefined ? options.env : withoutStaticCredentials(options.env)),
        ...vault?.serviceEnv(name),
        ...consul?.serviceEnv(name),
      },
      onLine: (line, stream) => options.onLine?.(name, line, stream),
    });
  let worker: ServiceProcess;
  try {
    worker = await spawnOne('worker');
  } catch (error) {
    await vault?.stop();
    await consul?.stop();
    throw error;
  }
  let api: ServiceProcess;
  try {
    api = await spawnOne('api');
  } catch (error) {
    await worker.stop();
    await vault?.stop();
    await consul?.stop();
    throw error;
  }
  return {
    api,
    worker,
    vault,
    consul,
    // The api stops taking orders before the worker stops draining the queue.
    stop: async () => {
      await api.stop();
      await worker.stop();
      // Last: the services revoked their leases on the way out.
      await vault?.stop();
      // After the services deregistered themselves.
      await consul?.stop();
    },
  };
}
