import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isReachable } from './preflight.js';

const SCRIPT = fileURLToPath(new URL('../../../scripts/pg-auth-cluster.sh', import.meta.url));

/**
 * Vault-issued PostgreSQL users need a server that checks passwords; the machine's 5432 trusts
 * every local connection. When the second cluster is not up, try the repository's script (it
 * needs root and Debian's postgresql-common); the preflight reports it if that did not work.
 */
export async function ensureAuthCluster(host: string, port: number): Promise<void> {
  if (await isReachable(host, port)) return;
  if (!existsSync(SCRIPT)) return;
  spawnSync('bash', [SCRIPT], {
    stdio: 'ignore',
    env: { ...process.env, PG_AUTH_PORT: String(port) },
    timeout: 120_000,
  });
}
