#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createConsulClient } from '@flowstack/consul';
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

function fail(message: string): never {
  process.stderr.write(`consul bootstrap failed: ${message}\n`);
  process.exit(1);
}

let values;
try {
  ({ values } = parseArgs({
    strict: true,
    options: {
      address: { type: 'string', default: process.env.CONSUL_HTTP_ADDR ?? 'http://127.0.0.1:8500' },
      token: { type: 'string' },
      'nomad-jwks-url': { type: 'string' },
      'nomad-jwks-ca-file': { type: 'string' },
      'nomad-namespace': { type: 'string', default: 'default' },
      dir: { type: 'string', default: defaultDirectory },
    },
  }));
} catch (error) {
  fail(`${(error as Error).message}\n\n${USAGE}`);
}
if (values.token !== undefined) {
  process.stderr.write(
    'warning: --token puts the token on the command line (visible in ps): set CONSUL_HTTP_TOKEN\n',
  );
}
const caFile = values['nomad-jwks-ca-file'];
if (caFile !== undefined && values['nomad-jwks-url'] === undefined) {
  fail('--nomad-jwks-ca-file needs --nomad-jwks-url');
}
let jwksCaPem: string | undefined;
if (caFile !== undefined) {
  try {
    jwksCaPem = readFileSync(caFile, 'utf8').trim();
  } catch (error) {
    fail(`--nomad-jwks-ca-file ${caFile}: ${(error as Error).message}`);
  }
  if (!jwksCaPem.includes('-----BEGIN CERTIFICATE-----')) {
    fail(`--nomad-jwks-ca-file ${caFile} holds no PEM certificate`);
  }
}

const address = /^https?:\/\//.test(values.address) ? values.address : `http://${values.address}`;
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
    process.stdout.write(`${change.action.padEnd(9)} ${change.kind} ${change.name}${note}\n`);
  }
  const written = changes.filter((c) => c.action === 'created' || c.action === 'updated').length;
  process.stdout.write(
    `consul bootstrap: ${written} written, ${changes.length - written} left as they were\n`,
  );
} catch (error) {
  process.stderr.write(
    `consul bootstrap failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
} finally {
  client.close();
}
