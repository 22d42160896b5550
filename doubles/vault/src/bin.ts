#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { AppError, runCli } from '@flowstack/errors';
import { startVaultDouble } from './index.js';

const USAGE = `Usage: vault-double [--port 8200] [--host 127.0.0.1] [--root-token TOKEN] [--state-file path]

A stateful double of HashiCorp Vault's HTTP API for tests and local stacks. Not Vault.
Without --root-token it makes a random one and prints it once, as \`vault server -dev\` does.`;

process.exitCode = await runCli({
  name: 'vault-double',
  usage: USAGE,
  options: {
    port: { type: 'string', default: '8200' },
    host: { type: 'string', default: '127.0.0.1' },
    'root-token': { type: 'string' },
    'state-file': { type: 'string' },
  },
  run: async ({ values }, io) => {
    const port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port > 65535) {
      throw AppError.usage(`--port must be a port number (0 for any), got "${values.port}"`);
    }
    const given = values['root-token'];
    const rootToken = given ?? `hvs.${randomBytes(24).toString('base64url')}`;
    const double = await startVaultDouble({
      port,
      host: values.host,
      rootToken,
      ...(values['state-file'] ? { stateFile: values['state-file'] } : {}),
    });
    io.out(JSON.stringify({ msg: 'vault-double listening', address: double.url }));
    if (given === undefined) {
      io.err(`Root Token: ${rootToken}   (random for this run, shown only here)`);
    }
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
