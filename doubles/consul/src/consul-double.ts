import type { AddressInfo } from 'node:net';
import { AclGate } from './acl.js';
import { Catalog } from './catalog.js';
import { ChangeIndex } from './change-index.js';
import { CheckRunner } from './check-runner.js';
import { ConfigEntries } from './config-entries.js';
import { createDnsServer } from './dns-server.js';
import { createHttpServer } from './http-server.js';
import { KvStore } from './kv-store.js';
import { SessionStore } from './sessions.js';

export interface ConsulDoubleOptions {
  /** HTTP port; 0 picks a free one. Default 8500. */
  port?: number;
  /** UDP DNS port; 0 picks a free one. Default 8600. */
  dnsPort?: number;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Turns ACLs on (default policy deny) with this management token. */
  aclToken?: string;
  /** Node name of the double's single node. Default "consul-double". */
  nodeName?: string;
  /** Shortest check interval honoured (Consul: 1000). */
  checkIntervalFloorMs?: number;
  /** How often the DeregisterCriticalServiceAfter reaper runs (Consul: 30000). */
  reapIntervalMs?: number;
  /** Smallest DeregisterCriticalServiceAfter honoured (Consul: 60000). */
  reapMinimumMs?: number;
}

export interface RunningConsulDouble {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:8500 (no /v1). */
  url: string;
  host: string;
  port: number;
  dnsPort: number;
  stop(): Promise<void>;
}

export const VERSION = '1.17.0';

/** Starts the HTTP and DNS listeners over fresh, empty state. */
export async function startConsulDouble(
  options: ConsulDoubleOptions = {},
): Promise<RunningConsulDouble> {
  const host = options.host ?? '127.0.0.1';
  const nodeAddress = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const changes = new ChangeIndex();
  const catalog = new Catalog(changes, {
    nodeName: options.nodeName ?? 'consul-double',
    nodeAddress,
  });
  const runner = new CheckRunner(catalog, {
    intervalFloorMs: options.checkIntervalFloorMs,
    reapIntervalMs: options.reapIntervalMs,
    reapMinimumMs: options.reapMinimumMs,
  });
  const kv = new KvStore(changes);
  const sessions = new SessionStore(changes, catalog, kv);
  const shutdown = new AbortController();
  const acl = new AclGate(options.aclToken, changes);
  const server = createHttpServer(
    {
      changes,
      catalog,
      runner,
      kv,
      sessions,
      config: new ConfigEntries(changes),
      acl,
      version: VERSION,
    },
    shutdown.signal,
  );
  const dns = createDnsServer(catalog, (service) =>
    acl.canRead(acl.dnsCaller(), 'service', service),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8500, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      dns.once('error', reject);
      dns.bind(options.dnsPort ?? 8600, host, () => {
        dns.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }
  runner.start();

  const { port } = server.address() as AddressInfo;
  const dnsPort = dns.address().port;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${nodeAddress.includes(':') ? `[${nodeAddress}]` : nodeAddress}:${port}`,
    host: nodeAddress,
    port,
    dnsPort,
    stop: () => {
      stopping ??= (async () => {
        runner.stop();
        sessions.stop();
        shutdown.abort();
        server.closeAllConnections();
        await Promise.all([
          new Promise<void>((resolve) => server.close(() => resolve())),
          new Promise<void>((resolve) => dns.close(() => resolve())),
        ]);
      })();
      return stopping;
    },
  };
}
