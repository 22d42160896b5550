#!/usr/bin/env node
import { AppError, runCli } from '@flowstack/errors';
import { startConsulDouble } from './consul-double.js';

const USAGE = `Usage: consul-double [--port 8500] [--dns-port 8600] [--host 127.0.0.1] [--acl-token TOKEN]
                     [--node-name consul-double]

A stateful double of Consul's HTTP API and DNS interface for tests and local development.
Prints {"http":"...","dns":"host:port"} as one JSON line once it listens.`;

function portOf(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw AppError.usage(`${flag} must be a port number (0 for any), got "${value}"`);
  }
  return port;
}

process.exitCode = await runCli({
  name: 'consul-double',
  usage: USAGE,
  options: {
    port: { type: 'string' },
    'dns-port': { type: 'string' },
    host: { type: 'string' },
    'acl-token': { type: 'string' },
    'acl-master-token': { type: 'string' },
    'node-name': { type: 'string' },
  },
  run: async ({ values }, io) => {
    const double = await startConsulDouble({
      port: portOf(values.port, 8500, '--port'),
      dnsPort: portOf(values['dns-port'], 8600, '--dns-port'),
      host: values.host ?? '127.0.0.1',
      aclToken:
        values['acl-token'] ?? values['acl-master-token'] ?? process.env.CONSUL_DOUBLE_ACL_TOKEN,
      nodeName: values['node-name'],
    });
    io.out(JSON.stringify({ http: double.url, dns: `${double.host}:${double.dnsPort}` }));
    const stop = (): void => {
      void double.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
});
