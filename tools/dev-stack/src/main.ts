#!/usr/bin/env node
import { runCli } from '@flowstack/errors';
import { createLogger } from '@flowstack/observability';
import { startIdentitySources, type IdentitySources } from './identity-sources.js';
import { MissingDependencyError, startLocalStack } from './local-stack.js';
import { PG_AUTH } from './local-vault.js';
import { devStackChecks, runPreflight } from './preflight.js';

const USAGE = `usage: npm run dev -- [--no-vault] [--no-consul]

The whole local stack in one terminal: api, worker, the Vault and Consul doubles.
  --no-vault   static credentials, no Vault double
  --no-consul  static addresses, no Consul double`;

/**
 * `npm run dev`: the whole local stack in one terminal. Log lines of api and worker are shown
 * with the service name in front; Ctrl-C stops both gracefully.
 */
// A failure exits at once: a half-started stack or pool must not keep the process alive.
const code = await runCli({
  name: 'flowstack',
  usage: USAGE,
  options: {
    'no-vault': { type: 'boolean', default: false },
    'no-consul': { type: 'boolean', default: false },
  },
  run: async ({ values }, io) => {
    const useVault = !values['no-vault'];
    const useConsul = !values['no-consul'];
    const env: Record<string, string | undefined> = {
      PORT: '3000',
      HEALTH_PORT: '3001',
      HOST: '127.0.0.1',
      // RabbitMQ's out-of-the-box user, which only logs in from localhost. Deployments set their own.
      RABBITMQ_USER: 'guest',
      RABBITMQ_PASSWORD: 'guest',
      API_DOCS_ENABLED: 'true',
      ...process.env,
    };
    // Its own JSON lines would drown the readable ones below; only problems are shown.
    const logger = createLogger({ service: 'dev-stack', level: 'warn' });
    const write = (text: string) => process.stdout.write(`${text}\n`);

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
      io.err(`flowstack cannot start:\n${missing.join('\n')}`);
      return 1;
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
      Vault      ${stack.vault === undefined ? 'off (static credentials; drop --no-vault to use it)' : `${stack.vault.url}   (double; api and worker log in with JWT)`}
    ${stack.vault && identity ? `${identity.banner.join('\n')}\n` : ''}  Consul     ${stack.consul === undefined ? 'off (static addresses; drop --no-consul to use it)' : `${stack.consul.url}   (double, DNS ${stack.consul.dns}; api and worker register and discover there)`}

    Try:
      curl ${stack.api.url}/v1/products
      curl -i -X POST ${stack.api.url}/v1/orders -H 'content-type: application/json' \\
           -H "idempotency-key: $(cat /proc/sys/kernel/random/uuid)" \\
           -d '{"customerEmail":"ada@example.com","items":[{"productId":"hand-grinder","quantity":1}]}'
      curl ${stack.api.url}/v1/orders/<id from the Location header>${
        stack.consul === undefined
          ? ''
          : `
      curl ${stack.consul.url}/v1/health/service/flowstack-api?passing
      curl -X PUT ${stack.consul.url}/v1/kv/flowstack/config/api/ACCEPT_ORDERS -d false   # live: POST -> 503`
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
        io.err(`flowstack cannot start:\n${error.message}`);
        return 1;
      }
      throw error;
    }
  },
});
if (code !== 0) process.exit(code);
