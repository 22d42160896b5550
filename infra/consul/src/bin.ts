#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createConsulClient } from '@flowstack/consul';
import { createLogger } from '@flowstack/observability';
import { bootstrapConsul } from './bootstrap.js';
import { defaultDirectory, readDesiredState } from './desired-state.js';

const { values } = parseArgs({
  options: {
    address: { type: 'string', default: process.env.CONSUL_HTTP_ADDR ?? 'http://127.0.0.1:8500' },
    token: { type: 'string', default: process.env.CONSUL_HTTP_TOKEN },
    dir: { type: 'string', default: defaultDirectory },
  },
});

const address = /^https?:\/\//.test(values.address) ? values.address : `http://${values.address}`;
const logger = createLogger({ service: 'infra-consul', level: 'warn' });
const client = createConsulClient({ address, token: values.token, logger });
try {
  const changes = await bootstrapConsul(client, await readDesiredState(values.dir));
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
