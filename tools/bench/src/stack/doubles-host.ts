#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { PG_AUTH, startLocalConsul, startLocalVault } from '@flowstack/dev-stack';
import { createLogger } from '@flowstack/observability';

/**
 * The bench's "deployed" profile runs the Vault and Consul doubles the way `npm run dev` does
 * (one process beside api and worker, bootstrapped by infra/vault and infra/consul), but in a
 * process of its own, so their CPU is not the load generator's. Writes the environment api and
 * worker need to the file named by its argument, then announces itself and waits for SIGTERM.
 */
const out = process.argv[2];
if (out === undefined) throw new Error('usage: doubles-host <environment file>');
const env = process.env;
const logger = createLogger({ service: 'bench-doubles', level: 'warn' });
const vault = await startLocalVault({ env, logger, port: 0, seed: true });
const consul = await startLocalConsul({
  env: { ...env, POSTGRES_HOST: PG_AUTH.host, POSTGRES_PORT: String(PG_AUTH.port) },
  logger,
  port: 0,
  dnsPort: 0,
});
const audit = (await (
  await fetch(`${vault.url}/v1/sys/audit`, { headers: { 'X-Vault-Token': vault.rootToken } })
).json()) as { data?: Record<string, { options?: { file_path?: string } }> };
const auditFile = Object.values(audit.data ?? {})[0]?.options?.file_path;
await writeFile(
  out,
  JSON.stringify({
    vaultUrl: vault.url,
    rootToken: vault.rootToken,
    auditFile,
    // ACLs are on (default deny): the bench registers its broker proxy with the bootstrap token.
    consulToken: consul.managementToken,
    api: { ...vault.serviceEnv('api'), ...consul.serviceEnv('api') },
    worker: { ...vault.serviceEnv('worker'), ...consul.serviceEnv('worker') },
  }),
);
process.stdout.write(`${JSON.stringify({ msg: 'doubles-host listening', url: vault.url })}\n`);
const stop = (): void => {
  void Promise.allSettled([vault.stop(), consul.stop()]).then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
