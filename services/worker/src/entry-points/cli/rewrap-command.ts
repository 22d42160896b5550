import { z } from 'zod';
import { commonConfigSchema, ConfigError, loadConfig, type Env } from '@flowstack/config';
import { createStaticCredentialSource, type CredentialSource } from '@flowstack/credentials';
import { createDatabase } from '@flowstack/db';
import { rewrapOrderEmails } from '@flowstack/domain';
import { AppError, isAppError, runCli, type CliIo } from '@flowstack/errors';
import { createLogger, createMetrics } from '@flowstack/observability';
import { createLifecycle, createPiiRewrapper, openVault } from '@flowstack/service-kit';

export const USAGE = `Usage: flowstack-rewrap [--batch-size N]

Moves every stored customer e-mail sealed under an older version of the Transit key
(TRANSIT_MOUNT/TRANSIT_KEY, default transit/orders-pii) to the key's newest version, N rows per
Transit call (default 200, at most 10000). Vault's rewrap never returns a plaintext; for values
sealed in envelope mode only the wrapped data key is rewrapped. Rows already on the newest
version are left alone, so running it again changes nothing.

Needs a Vault login (VAULT_ADDR, VAULT_AUTH_METHOD=token|jwt|approle and its keys) whose policy
grants update on <mount>/rewrap/<key> and read on <mount>/keys/<key> (the admin policy does;
the services' policies do not), and PostgreSQL from POSTGRES_* (static credentials) or, when
VAULT_POSTGRES_CREDS_PATH is set, credentials leased from that path (e.g.
database/creds/worker-readwrite).`;

const rewrapConfigSchema = commonConfigSchema.extend({
  VAULT_POSTGRES_CREDS_PATH: z
    .string()
    .min(1)
    .optional()
    .describe('Vault path of PostgreSQL credentials; unset = static POSTGRES_USER/PASSWORD.'),
});

function parseBatchSize(raw: string | undefined): number {
  if (raw === undefined) return 200;
  const size = Number(raw);
  if (!/^\d+$/.test(raw) || size < 1 || size > 10_000) {
    throw AppError.usage(`--batch-size must be a whole number from 1 to 10000, not "${raw}".`);
  }
  return size;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * `flowstack-rewrap`: returns the exit code (0 done, 1 Vault or PostgreSQL failure, 2 bad usage or
 * config) instead of exiting, so it can be tested in-process. Progress goes to `out`, one line per
 * batch; library logs (never with secrets) go to `err`.
 */
export function runRewrapCli(argv: readonly string[], env: Env, io: CliIo): Promise<number> {
  return runCli(
    {
      name: 'flowstack-rewrap',
      usage: USAGE,
      options: { 'batch-size': { type: 'string' } },
      usageErrors: [ConfigError],
      run: ({ values }) =>
        rewrap(
          parseBatchSize(values['batch-size']),
          loadConfig('rewrap', rewrapConfigSchema, env),
          io,
        ),
    },
    argv,
    io,
  );
}

async function rewrap(
  batchSize: number,
  config: z.output<typeof rewrapConfigSchema>,
  io: CliIo,
): Promise<number> {
  if (config.VAULT_AUTH_METHOD === 'none') {
    io.err(
      'flowstack-rewrap: Vault is off (VAULT_AUTH_METHOD=none); set VAULT_ADDR and VAULT_AUTH_METHOD=token|jwt|approle with its keys.',
    );
    return 2;
  }
  const logger = createLogger({
    service: 'rewrap',
    level: config.LOG_LEVEL,
    destination: { write: (line: string) => io.err(line.trimEnd()) },
  });
  const lifecycle = createLifecycle({ logger });
  try {
    const vault = await openVault({
      service: 'rewrap',
      config,
      logger,
      metrics: createMetrics({ service: 'rewrap', defaultMetrics: false }),
      lifecycle,
      startupTimeoutMs: config.VAULT_REQUEST_TIMEOUT_MS * 2,
    });
    if (vault === undefined) throw new Error('Vault client not opened.');
    const credentials: CredentialSource =
      config.VAULT_POSTGRES_CREDS_PATH === undefined
        ? createStaticCredentialSource({
            username: config.POSTGRES_USER,
            password: config.POSTGRES_PASSWORD,
          })
        : await vault.credentialSource({
            name: 'postgres',
            path: config.VAULT_POSTGRES_CREDS_PATH,
            revokeGraceMs: config.VAULT_REVOKE_GRACE_MS,
          });
    const db = await lifecycle.step('db', async () => {
      const database = await createDatabase({
        host: config.POSTGRES_HOST,
        port: config.POSTGRES_PORT,
        database: config.POSTGRES_DB,
        credentials,
        poolMax: 2,
        statementTimeoutMs: config.POSTGRES_STATEMENT_TIMEOUT_MS,
        applicationName: 'flowstack-rewrap',
        logger,
      });
      return { value: database, stop: () => database.close() };
    });
    const rewrapper = createPiiRewrapper(config, vault);
    const latestVersion = await rewrapper.latestVersion();
    io.out(
      `Transit key ${rewrapper.key}: newest version v${latestVersion}; batches of ${batchSize}`,
    );
    const result = await rewrapOrderEmails(db, {
      latestVersion,
      batchSize,
      rewrap: (sealed) => rewrapper.rewrap(sealed),
      onBatch: (progress) =>
        io.out(
          `scanned ${progress.scanned}, rewrapped ${progress.rewrapped}, changed meanwhile ${progress.skipped}`,
        ),
    });
    const current = result.scanned - result.rewrapped - result.skipped;
    io.out(
      `done: ${result.rewrapped} rewrapped to v${latestVersion}, ${current} already on v${latestVersion}, ${result.skipped} changed meanwhile (run again to cover them)`,
    );
    return 0;
  } catch (error) {
    io.err(`flowstack-rewrap: ${messageOf(error)}`);
    return isAppError(error) && error.code === 'config-invalid' ? 2 : 1;
  } finally {
    await lifecycle.shutdown('rewrap finished');
  }
}
