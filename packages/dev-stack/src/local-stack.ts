import { commonConfigSchema, loadConfig } from '@flowstack/config';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { migrateDatabase } from '@flowstack/domain';
import type { Logger } from '@flowstack/observability';
import { findUnreachable, localDependencies } from './preflight.js';
import { spawnService, type ServiceProcess } from './service-process.js';

export interface LocalStack {
  api: ServiceProcess;
  worker: ServiceProcess;
  stop(): Promise<void>;
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
}): Promise<LocalStack> {
  const problems = await findUnreachable(localDependencies(options.env));
  if (problems.length > 0) throw new MissingDependencyError(problems);

  const config = loadConfig('dev-stack', commonConfigSchema, options.env);
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

  const spawnOne = (name: 'api' | 'worker') =>
    spawnService({
      name,
      env: options.env,
      onLine: (line, stream) => options.onLine?.(name, line, stream),
    });
  const worker = await spawnOne('worker');
  let api: ServiceProcess;
  try {
    api = await spawnOne('api');
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return {
    api,
    worker,
    // The api stops taking orders before the worker stops draining the queue.
    stop: async () => {
      await api.stop();
      await worker.stop();
    },
  };
}
