import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { PG_AUTH, startLocalStack, type LocalStack } from '@flowstack/dev-stack';
import { testEnvironment } from '@flowstack/domain/testing';
import { createLogger } from '@flowstack/observability';

export interface VaultStack {
  stack: LocalStack;
  apiUrl: string;
  /** Admin connection to the password-checking PostgreSQL the services use. */
  admin: pg.Client;
  env: Record<string, string>;
  output: string[];
  /** Secret values handed out during the run that must never show up in output. */
  knownSecrets(): Promise<string[]>;
  close(): Promise<void>;
}

/** api and worker as real processes logging in to the Vault double with JWT. */
export async function startVaultStack(options: {
  credentialTtl: string;
  credentialMaxTtl: string;
  env?: Record<string, string>;
  /** Extra options of the local Vault (its port, the address services are given). */
  vaultOptions?: { port?: number; servicesAddress?: string };
}): Promise<VaultStack> {
  const id = randomUUID();
  const env = testEnvironment({
    POSTGRES_DB: 'flowstack_vault_test',
    ORDERS_EXCHANGE: `test.vault.${id}`,
    ORDERS_QUEUE: `test.vault.orders.${id}`,
    LOG_LEVEL: 'info',
    VAULT_REVOKE_GRACE_MS: '1000',
    RATE_LIMIT_REQUESTS_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
    ...options.env,
  });
  const output: string[] = [];
  const logger = createLogger({ service: 'vault-test', level: 'warn' });
  const stack = await startLocalStack({
    env: { PATH: process.env.PATH, ...env },
    logger,
    seed: true,
    vault: {
      port: 0,
      credentialTtl: options.credentialTtl,
      credentialMaxTtl: options.credentialMaxTtl,
      ...options.vaultOptions,
    },
    onLine: (service, line) => output.push(`${service} ${line}`),
  });
  const admin = new pg.Client({
    host: PG_AUTH.host,
    port: PG_AUTH.port,
    user: PG_AUTH.adminUser,
    password: PG_AUTH.adminPassword,
    database: env.POSTGRES_DB,
  });
  await admin.connect();
  return {
    stack,
    apiUrl: stack.api.url,
    admin,
    env,
    output,
    async knownSecrets() {
      const jwts = await Promise.all(
        (['api', 'worker'] as const).map((service) =>
          readFile(stack.vault!.serviceEnv(service).VAULT_JWT_FILE!, 'utf8'),
        ),
      );
      return [...jwts, PG_AUTH.adminPassword];
    },
    async close() {
      await stack.stop();
      await admin.end();
    },
  };
}

/** Usernames the services logged when they rotated, by component (db, cache). */
export function rotatedUsernames(output: string[], component: 'db' | 'cache'): string[] {
  return output.flatMap((line) => {
    const json = line.slice(line.indexOf(' ') + 1);
    try {
      const entry = JSON.parse(json) as { component?: string; username?: string };
      return entry.component === component && entry.username !== undefined ? [entry.username] : [];
    } catch {
      return [];
    }
  });
}

/** How many times each Vault path was replaced, from the "vault secret replaced" lines. */
export function rotationsByPath(output: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of output) {
    if (!line.includes('vault secret replaced')) continue;
    const service = line.slice(0, line.indexOf(' '));
    const entry = JSON.parse(line.slice(service.length + 1)) as { path: string };
    const key = `${service} ${entry.path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
