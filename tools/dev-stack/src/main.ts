#!/usr/bin/env node
import { runCli } from '@flowstack/errors';
import { createLogger } from '@flowstack/observability';
import { runQueuesCli } from '@flowstack/worker';
import { startIdentitySources, type IdentitySources } from './identity-sources.js';
import type { LeftoverSweep } from './leftovers.js';
import { MissingDependencyError, startLocalStack } from './local-stack.js';
import { PG_AUTH } from './local-vault.js';
import { devStackChecks, redisDefaultUserOpen, runPreflight } from './preflight.js';

/**
 * `npm run dev`: the whole local stack in one terminal. Log lines of api and worker are shown
 * with the service name in front; Ctrl-C stops both gracefully.
 */
const USAGE = `usage: npm run dev -- [--no-vault] [--no-consul]

The whole local stack in one terminal: api, worker, the Vault and Consul doubles.
  --no-vault   static credentials, no Vault double
  --no-consul  static addresses, no Consul double`;

let flags: { useVault: boolean; useConsul: boolean } | undefined;
const parsed = await runCli({
  name: 'flowstack',
  usage: USAGE,
  options: {
    'no-vault': { type: 'boolean', default: false },
    'no-consul': { type: 'boolean', default: false },
  },
  run: ({ values }) => {
    flags = { useVault: !values['no-vault'], useConsul: !values['no-consul'] };
  },
});
// --help (0) or misuse (2): nothing to start.
if (flags === undefined) process.exit(parsed);
const { useVault, useConsul } = flags;
const env: Record<string, string | undefined> = {
  PORT: '3000',
  HEALTH_PORT: '3001',
  HOST: '127.0.0.1',
  // Without Vault the services log in as RabbitMQ's out-of-the-box user (localhost only); with
  // Vault they lease their own and guest stays with the bootstrap (RABBITMQ_ADMIN_USER).
  ...(useVault ? {} : { RABBITMQ_USER: 'guest', RABBITMQ_PASSWORD: 'guest' }),
  API_DOCS_ENABLED: 'true',
  ...process.env,
};
// Its own JSON lines would drown the readable ones below; only problems are shown.
const logger = createLogger({ service: 'dev-stack', level: 'warn' });
const write = (text: string) => process.stdout.write(`${text}\n`);

function leftoverText(swept: LeftoverSweep): string {
  return `${swept.postgresRoles} expired PostgreSQL roles, ${swept.redisUsers} Redis users, ${swept.scratchFolders} folders`;
}

function show(service: string, line: string): void {
  try {
    const entry = JSON.parse(line) as {
      level?: string;
      msg?: string;
      requestId?: string;
      messageId?: string;
    };
    const id = entry.requestId ?? entry.messageId;
    write(
      `${service.padEnd(6)} ${(entry.level ?? '').padEnd(5)} ${entry.msg ?? ''}${id ? ` [${id}]` : ''}`,
    );
  } catch {
    write(`${service.padEnd(6)} ${line}`);
  }
}

const vaultPort = Number(process.env.VAULT_DOUBLE_PORT ?? 8200);
const vault = useVault ? { port: vaultPort } : undefined;
const consul = useConsul
  ? {
      port: Number(process.env.CONSUL_DOUBLE_PORT ?? 8500),
      dnsPort: Number(process.env.CONSUL_DOUBLE_DNS_PORT ?? 8600),
    }
  : undefined;

// Before anything starts: what it can, it sets up itself; the rest is one line each, with the command.
const missing = await runPreflight(
  devStackChecks({ env, vault: vault && { ...vault, authCluster: PG_AUTH }, consul }),
);
if (missing.length > 0) {
  process.stderr.write(`flowstack cannot start:\n${missing.join('\n')}\n`);
  process.exit(1);
}

// Queues left by an earlier version (classic ones) are moved to RABBITMQ_QUEUE_TYPE before the
// worker declares them; a no-op once they match. The worker is not running yet, as the move needs.
// It runs as the broker's administrator: with Vault the services hold no static RabbitMQ user.
const migrated = await runQueuesCli(
  ['migrate'],
  {
    ...env,
    RABBITMQ_USER: env.RABBITMQ_ADMIN_USER ?? 'guest',
    RABBITMQ_PASSWORD: env.RABBITMQ_ADMIN_PASSWORD ?? 'guest',
  },
  { out: () => undefined, err: write },
);
if (migrated !== 0) {
  process.stderr.write('flowstack cannot start: the order queues could not be migrated (above)\n');
  process.exit(1);
}

let identity: IdentitySources | undefined;
try {
  identity = useVault
    ? await startIdentitySources({
        ldapPort: Number(process.env.LDAP_PORT ?? 3890),
        oidcPort: Number(process.env.OIDC_PORT ?? 8900),
        vaultUrl: `http://127.0.0.1:${vaultPort}`,
      })
    : undefined;
  const redisOpen = await redisDefaultUserOpen(
    env.REDIS_HOST ?? '127.0.0.1',
    Number(env.REDIS_PORT ?? 6379),
  );
  const stack = await startLocalStack({
    env,
    logger,
    onLine: (service, line) => show(service, line),
    vault: vault && { ...vault, identity: identity?.bootstrap },
    consul,
  });
  write(`
flowstack is running.
  API        ${stack.api.url}   (docs: ${stack.api.url}/docs, OpenAPI: ${stack.api.url}/openapi.json)
  worker     ${stack.worker.url}   (health and metrics)
  Vault      ${
    stack.vault === undefined
      ? 'off (static credentials; drop --no-vault to use it)'
      : `${stack.vault.url}   (double; api and worker log in with JWT)
             root token ${stack.vault.rootToken}   (new each run, shown only here)
             removed from earlier runs: ${leftoverText(stack.vault.leftovers)}`
  }
${stack.vault && identity ? `${identity.banner.join('\n')}\n` : ''}${redisOpen ? `  Redis      its default user needs no password: any local process can read or flush the cache\n             (close it: docs/security.md, "Redis default user")\n` : ''}  Consul     ${stack.consul === undefined ? 'off (static addresses; drop --no-consul to use it)' : `${stack.consul.url}   (double, DNS ${stack.consul.dns}; api and worker register and discover there)`}

Try:
  curl ${stack.api.url}/v1/products
  curl -i -X POST ${stack.api.url}/v1/orders -H 'content-type: application/json' \\
       -H "idempotency-key: $(cat /proc/sys/kernel/random/uuid)" \\
       -d '{"customerEmail":"ada@example.com","items":[{"productId":"hand-grinder","quantity":1}]}'
  curl ${stack.api.url}/v1/orders/<id from the Location header>${
    stack.consul === undefined
      ? ''
      : `
  export CONSUL_HTTP_TOKEN=${stack.consul.managementToken}   # ACLs on, default deny
  curl -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" ${stack.consul.url}/v1/health/service/flowstack-api?passing
  curl -H "X-Consul-Token: $CONSUL_HTTP_TOKEN" -X PUT ${stack.consul.url}/v1/kv/flowstack/config/api/ACCEPT_ORDERS -d false   # live: POST -> 503`
  }

Ctrl-C stops everything.`);
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    write('stopping api and worker...');
    stack
      .stop()
      .then(() => identity?.stop())
      .then(() => process.exit(code))
      .catch(() => process.exit(1));
  };
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));
  for (const service of [stack.api, stack.worker]) {
    void service.exited.then((code) => {
      if (stopping) return;
      write(`${service.name} exited unexpectedly (code ${code}); stopping the stack.`);
      stop(1);
    });
  }
} catch (error) {
  await identity?.stop();
  if (error instanceof MissingDependencyError) {
    process.stderr.write(`flowstack cannot start:\n${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(
    `flowstack failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
