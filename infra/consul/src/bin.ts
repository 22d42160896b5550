#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { createConsulClient } from '@flowstack/consul';
import { AppError, runCli } from '@flowstack/errors';
import { createLogger } from '@flowstack/observability';
import { bootstrapConsul } from './bootstrap.js';
import { defaultDirectory, readDesiredState } from './desired-state.js';

const USAGE = `usage: CONSUL_HTTP_TOKEN=... npm run infra:consul -- [options]

  --address URL              Consul HTTP address (default: $CONSUL_HTTP_ADDR or http://127.0.0.1:8500)
  --nomad-jwks-url URL       Nomad's JWKS: creates the nomad-workloads JWT auth method and its binding rules
  --nomad-jwks-ca-file FILE  PEM CA of a TLS Nomad (the auth method's JWKSCACert)
  --nomad-namespace NAME     Nomad namespace of flowstack's jobs (default default)
  --dir DIR                  where config-entries/ and policies/ are (default: this package)
  --token TOKEN              still accepted; prefer CONSUL_HTTP_TOKEN (argv is visible in ps)
`;

process.exitCode = await runCli({
  name: 'consul bootstrap',
  usage: USAGE,
  options: {
    address: { type: 'string', default: process.env.CONSUL_HTTP_ADDR ?? 'http://127.0.0.1:8500' },
    token: { type: 'string' },
    'nomad-jwks-url': { type: 'string' },
    'nomad-jwks-ca-file': { type: 'string' },
    'nomad-namespace': { type: 'string', default: 'default' },
    dir: { type: 'string', default: defaultDirectory },
  },
  run: async ({ values }, io) => {
    if (values.token !== undefined) {
      io.err(
        'warning: --token puts the token on the command line (visible in ps): set CONSUL_HTTP_TOKEN',
      );
    }
    const caFile = values['nomad-jwks-ca-file'];
    if (caFile !== undefined && values['nomad-jwks-url'] === undefined) {
      throw AppError.usage('--nomad-jwks-ca-file needs --nomad-jwks-url');
    }
    const jwksCaPem = caFile === undefined ? undefined : readPem(caFile);
    const address = /^https?:\/\//.test(values.address)
      ? values.address
      : `http://${values.address}`;
    const logger = createLogger({ service: 'infra-consul', level: 'warn' });
    const client = createConsulClient({
      address,
      token: values.token ?? (process.env.CONSUL_HTTP_TOKEN || undefined),
      logger,
    });
    try {
      const changes = await bootstrapConsul(client, await readDesiredState(values.dir), {
        ...(values['nomad-jwks-url'] === undefined ? {} : { jwksUrl: values['nomad-jwks-url'] }),
        ...(jwksCaPem === undefined ? {} : { jwksCaPem }),
        nomadNamespace: values['nomad-namespace'],
      });
      for (const change of changes) {
        const note = change.note === undefined ? '' : ` (${change.note})`;
        io.out(`${change.action.padEnd(9)} ${change.kind} ${change.name}${note}`);
      }
      const written = changes.filter(
        (c) => c.action === 'created' || c.action === 'updated',
      ).length;
      io.out(`consul bootstrap: ${written} written, ${changes.length - written} left as they were`);
    } catch (error) {
      // Consul's refusals and an unreachable agent are the operator's to fix, not a bug.
      throw new AppError(error instanceof Error ? error.message : String(error), {
        status: 502,
        isOperational: true,
        cause: error,
      });
    } finally {
      client.close();
    }
  },
});

function readPem(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw AppError.usage(`--nomad-jwks-ca-file ${file}: ${(error as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw AppError.usage(`--nomad-jwks-ca-file ${file} holds no PEM certificate`);
  }
  return pem;
}
