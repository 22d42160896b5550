import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningConsulDouble, startConsulDouble } from '@flowstack/consul-double';
import { uniqueName } from '@flowstack/test-kit';
import Consul from 'consul';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * Where the Consul contract suite runs: the in-repo double by default, or the server named by
 * CONSUL_HTTP_ADDR (token in CONSUL_HTTP_TOKEN, DNS at CONSUL_DNS_ADDR). Every test uses names
 * from `unique()` and registers its own cleanup, so the suite can share a real server.
 */
export interface ConsulTarget {
  /** Base URL without /v1. */
  url: string;
  token?: string;
  client: Consul;
  /** True when running against the in-repo double. */
  isDouble: boolean;
  /** DNS server as host/port, when one is known. */
  dns?: { host: string; port: number };
  /** DeregisterCriticalServiceAfter to use and how long reaping may take on this target. */
  reap: { after: string; withinMs: number };
  /** Raw HTTP with the target's token (for endpoints the npm client has no method for). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Runs at teardown, last registered first. */
  onCleanup(step: () => Promise<unknown>): void;
  cleanup(): Promise<void>;
  stop(): Promise<void>;
}

export const externalAddr = process.env.CONSUL_HTTP_ADDR;

/** `ct-` marks what the suite made, so a shared real server shows whose leftovers they are. */
export function unique(label: string): string {
  return uniqueName(`ct-${label}`);
}

export interface TargetOptions {
  /** Start the double with ACLs on and this management token (ignored for external servers). */
  aclToken?: string;
}

export async function startTarget(options: TargetOptions = {}): Promise<ConsulTarget> {
  let double: RunningConsulDouble | undefined;
  let url: string;
  let token: string | undefined;
  let dns: ConsulTarget['dns'];
  if (externalAddr) {
    url = /^https?:\/\//.test(externalAddr) ? externalAddr : `http://${externalAddr}`;
    token = process.env.CONSUL_HTTP_TOKEN || undefined;
    const dnsAddr = process.env.CONSUL_DNS_ADDR;
    if (dnsAddr) {
      const cut = dnsAddr.lastIndexOf(':');
      dns = { host: dnsAddr.slice(0, cut), port: Number(dnsAddr.slice(cut + 1)) };
    }
  } else {
    // Consul reaps at most every 30s and never sooner than 1m; the double is told to reap fast
    // so the suite stays quick. Check intervals keep Consul's 1s floor.
    double = await startConsulDouble({
      port: 0,
      dnsPort: 0,
      aclToken: options.aclToken,
      reapIntervalMs: 200,
      reapMinimumMs: 0,
    });
    url = double.url;
    token = options.aclToken;
    dns = { host: double.host, port: double.dnsPort };
  }
  const parsed = new URL(url);
  const client = new Consul({
    host: parsed.hostname,
    port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)),
    secure: parsed.protocol === 'https:',
    defaults: token ? { token } : {},
  });
  const steps: (() => Promise<unknown>)[] = [];
  const target: ConsulTarget = {
    url: url.replace(/\/$/, ''),
    token,
    client,
    isDouble: double !== undefined,
    dns,
    reap: double ? { after: '1s', withinMs: 10_000 } : { after: '1m', withinMs: 150_000 },
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (token && !headers.has('X-Consul-Token')) headers.set('X-Consul-Token', token);
      return fetch(`${target.url}${path}`, { ...init, headers });
    },
    onCleanup: (step) => steps.push(step),
    cleanup: async () => {
      for (const step of steps.splice(0).reverse()) {
        await step().catch(() => undefined);
      }
    },
    stop: async () => {
      await target.cleanup();
      client.destroy();
      await double?.stop();
    },
  };
  return target;
}

/**
 * One target per test file: started before the file's tests, cleaned up after each test, stopped
 * at the end. The returned object forwards to the running target.
 */
export function useTarget(options: TargetOptions = {}): ConsulTarget {
  let current: ConsulTarget | undefined;
  beforeAll(async () => {
    current = await startTarget(options);
  });
  afterEach(async () => {
    await current?.cleanup();
  });
  afterAll(async () => {
    await current?.stop();
  });
  return new Proxy({} as ConsulTarget, {
    get: (_shell, key) => {
      if (!current) throw new Error('the Consul target is used before beforeAll started it');
      return Reflect.get(current, key) as unknown;
    },
  });
}

/** What the tests register, in the npm client's option names. */
export interface ServiceSpec {
  name: string;
  id?: string;
  tags?: string[];
  address?: string;
  port?: number;
  meta?: Record<string, string>;
  check?: Record<string, unknown>;
  checks?: Record<string, unknown>[];
}

/** Registers a service through the npm client and deregisters it at cleanup. */
export async function registerService(target: ConsulTarget, service: ServiceSpec): Promise<string> {
  const id = service.id ?? service.name;
  target.onCleanup(() => target.client.agent.service.deregister(id));
  // The client's typings demand fields (e.g. check.timeout) that Consul treats as optional.
  await target.client.agent.service.register(service as { name: string });
  return id;
}

/** A real HTTP endpoint for checks to probe; its status can change during the test. */
export async function startHealthEndpoint(target: ConsulTarget, initialStatus = 200) {
  let status = initialStatus;
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status < 300 ? 'ok' : 'failing');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`,
    setStatus: (next: number) => {
      status = next;
    },
  };
}

export interface HealthEntry {
  Service: { ID: string; Service: string; Tags: string[]; Port: number; Address: string };
  Checks: { CheckID: string; Status: string; Output: string; ServiceID: string }[];
}

export async function healthOf(
  target: ConsulTarget,
  service: string,
  options: { passing?: boolean; tag?: string } = {},
): Promise<HealthEntry[]> {
  return (await target.client.health.service({ service, ...options })) as HealthEntry[];
}

export function checkStatus(entries: HealthEntry[], checkId: string): string | undefined {
  for (const entry of entries) {
    const check = entry.Checks.find((c) => c.CheckID === checkId);
    if (check) return check.Status;
  }
  return undefined;
}
