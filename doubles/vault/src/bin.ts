#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startVaultDouble } from './index.js';

const USAGE = `Usage: vault-double [--port 8200] [--host 127.0.0.1] [--root-token root] [--state-file path]

A stateful double of HashiCorp Vault's HTTP API for tests and local stacks. Not Vault.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8200' },
      host: { type: 'string', default: '127.0.0.1' },
      'root-token': { type: 'string', default: 'root' },
      'state-file': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number.parseInt(values.port, 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`invalid --port ${values.port}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const double = await startVaultDouble({
    port,
    host: values.host,
    rootToken: values['root-token'],
    ...(values['state-file'] ? { stateFile: values['state-file'] } : {}),
  });
  process.stdout.write(
    `${JSON.stringify({ msg: 'vault-double listening', address: double.url })}\n`,
  );
  const shutdown = (): void => {
    double.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`vault-double: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
