#!/usr/bin/env node
import { commonConfigSchema, ConfigError, loadConfig } from '@flowstack/config';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { errorCode, isConnectionError } from '@flowstack/db';
import { AppError, runCli } from '@flowstack/errors';
import { createLogger } from '@flowstack/observability';
import { migrateDatabase } from './migrate-database.js';

/**
 * `flowstack-migrate [--seed] [--create-database]`: applies the migrations with the POSTGRES_*
 * settings of the environment. Run before a deploy (a Nomad prestart task) or by the local stack.
 */
// A failure exits at once: a half-started stack or pool must not keep the process alive.
const code = await runCli({
  name: 'flowstack-migrate',
  usage: 'usage: flowstack-migrate [--seed] [--create-database]',
  options: {
    seed: { type: 'boolean', default: false },
    'create-database': { type: 'boolean', default: false },
  },
  usageErrors: [ConfigError],
  run: async ({ values }) => {
    const config = loadConfig('migrate', commonConfigSchema);
    const logger = createLogger({ service: 'migrate', level: config.LOG_LEVEL });

    /*
     * As a Nomad prestart task, migrate starts together with the group's Envoy sidecar (Nomad docs
     * lifecycle.mdx: prestart tasks start immediately), so its upstream 127.0.0.1:5432 may refuse
     * connections for the first seconds. Refused or dropped connections are retried with a capped
     * backoff for up to CONNECT_BUDGET_MS; anything else (bad credentials, a failing migration) fails
     * at once, since waiting would not change it.
     */
    const CONNECT_BUDGET_MS = 60_000;
    const MAX_DELAY_MS = 5_000;
    const retryable = (error: unknown): boolean => {
      const code = errorCode(error);
      return isConnectionError(error) && !(code?.startsWith('28') ?? false);
    };
    const migrate = () =>
      migrateDatabase({
        host: config.POSTGRES_HOST,
        port: config.POSTGRES_PORT,
        database: config.POSTGRES_DB,
        credentials: createStaticCredentialSource({
          username: config.POSTGRES_USER,
          password: config.POSTGRES_PASSWORD,
        }),
        logger,
        createDatabase: values['create-database'],
        seed: values.seed,
      });
    async function migrateWhenReachable(): Promise<Awaited<ReturnType<typeof migrate>>> {
      const deadline = Date.now() + CONNECT_BUDGET_MS;
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await migrate();
        } catch (error) {
          const delay = Math.min(MAX_DELAY_MS, 250 * 2 ** (attempt - 1));
          if (!retryable(error) || Date.now() + delay > deadline) throw error;
          logger.warn(
            { attempt, retryInMs: delay, code: errorCode(error) },
            'postgres not reachable yet, retrying',
          );
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    }

    try {
      const result = await migrateWhenReachable();
      logger.info(result, 'database migrated');
    } catch (error) {
      logger.fatal({ err: error }, 'migration failed');
      logger.flush();
      // Logged with its stack above; the operator's line is the message (refused, a failing step).
      throw new AppError(error instanceof Error ? error.message : String(error), {
        status: 503,
        isOperational: true,
        cause: error,
      });
    }
  },
});
if (code !== 0) process.exit(code);
