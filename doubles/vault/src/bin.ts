#!/usr/bin/env node
import { AppError, runCli } from '@flowstack/errors';
import { startVaultDouble } from './index.js';

const USAGE = `Usage: vault-double [--port 8200] [--host 127.0.0.1] [--root-token root] [--state-file path]

A stateful double of HashiCorp Vault's HTTP API for tests and local stacks. Not Vault.`;

process.exitCode = await runCli({
  name: 'vault-double',
  usage: USAGE,
  options: {
    port: { type: 'string', default: '8200' },
    host: { type: 'string', default: '127.0.0.1' },
    'root-token': { type: 'string', default: 'root' },
    'state-file': { type: 'string' },
  },
  run: async ({ values }, io) => {
    const port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) {
      throw AppError.usage(`--port must be a port number (0 for any), got "${values.port}"`);
    }
    const double = await startVaultDouble({
      port,
      host: values.host,
      rootToken: values['root-token'],
      ...(values['state-file'] ? { stateFile: values['state-file'] } : {}),
    });
    io.out(JSON.stringify({ msg: 'vault-double listening', address: double.url }));
    const shutdown = (): void => {
      double.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          io.err(`vault-double: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  },
});
