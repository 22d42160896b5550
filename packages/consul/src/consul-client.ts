import Consul from 'consul';
import type { Logger } from '@flowstack/observability';
import type { z } from 'zod';
import { consulError, describe, statusOf } from './consul-errors.js';
import { healthEntriesSchema, kvItemsSchema, toInstance, type ServiceInstance } from './schemas.js';

export interface ConsulClientOptions {
  /** Base URL of the agent, without /v1: "http://127.0.0.1:8500". */
  address: string;
  token?: string | undefined;
  logger: Logger;
  /** Longest pause between retries of a failing watch. Default 5000. */
  watchBackoffMaxMs?: number;
  /** `wait` of blocking queries. Default "30s". */
  watchWait?: string;
}

/** What a service registers with, in Consul's terms. */
export interface ServiceDefinition {
  name: string;
  id: string;
  address: string;
  port: number;
  tags?: string[];
  meta?: Record<string, string>;
  check:
    | {
        http: string;
        interval: string;
        timeout: string;
        deregisterCriticalServiceAfter: string;
      }
    | { tcp: string; interval: string; timeout: string; deregisterCriticalServiceAfter: string }
    | { ttl: string; deregisterCriticalServiceAfter: string };
  checkId: string;
}

export interface KvEntry {
  key: string;
  value: string;
}

export interface BlockingWatch {
  stop(): void;
}

export interface WatchHandlers<T> {
  onChange(value: T): void;
  onError(error: Error): void;
}

export interface RawResponse {
  status: number;
  text: string;
}

export interface ConsulClient {
  readonly address: string;
  registerService(definition: ServiceDefinition): Promise<void>;
  /** An unknown id (Consul: 404 "Unknown service ID") counts as already deregistered. */
  deregisterService(id: string): Promise<void>;
  updateTtlCheck(checkId: string, status: 'pass' | 'warn' | 'fail', note: string): Promise<void>;
  /** Instances whose every check passes. */
  healthyInstances(service: string): Promise<ServiceInstance[]>;
  /** Blocking-query watch of the passing instances; calls onChange on every new index. */
  watchHealthyInstances(service: string, handlers: WatchHandlers<ServiceInstance[]>): BlockingWatch;
  /** Every key under the prefix; an empty value is "". */
  listKv(prefix: string): Promise<KvEntry[]>;
  watchKvPrefix(prefix: string, handlers: WatchHandlers<KvEntry[]>): BlockingWatch;
  /** PUT the value; with `cas` only if the key's ModifyIndex matches (0 = create only). */
  setKv(key: string, value: string, options?: { cas?: number }): Promise<boolean>;
  deleteKv(key: string): Promise<void>;
  /**
   * The agent's `acl.default_policy` from the X-Consul-Default-Acl-Policy header that Consul
   * (1.9+) sets on every answer, ACLs off included ("allow"); agent/http.go `wrap`.
   */
  defaultAclPolicy(): Promise<string | undefined>;
  /** Endpoints the npm client has no method for (config entries, ACL policies). */
  request(method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<RawResponse>;
  close(): void;
}

/**
 * The only door to Consul. Wraps the `consul` npm client (v2), whose answers are untyped, and
 * validates every answer with zod before it reaches the rest of the code.
 */
export function createConsulClient(options: ConsulClientOptions): ConsulClient {
  const url = new URL(options.address);
  const secure = url.protocol === 'https:';
  const client = new Consul({
    host: url.hostname,
    port: Number(url.port || (secure ? 443 : 80)),
    secure,
    defaults: options.token ? { token: options.token } : {},
  });
  const base = url.origin;
  const log = options.logger.child({ component: 'consul' });
  const wait = options.watchWait ?? '30s';
  const backoffMax = options.watchBackoffMaxMs ?? 5_000;

  function refusal(what: string, error: unknown) {
    const status = statusOf(error);
    return consulError(
      `Consul at ${base} refused ${what}${status === undefined ? '' : ` (${status})`}: ${describe(error)}`,
      error,
    );
  }

  async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw refusal(what, error);
    }
  }

  function parse<S extends z.ZodType>(what: string, schema: S, raw: unknown): z.output<S> {
    const result = schema.safeParse(raw);
    if (!result.success) {
      throw consulError(
        `Consul answered ${what} with an unexpected shape: ${result.error.message}`,
      );
    }
    return result.data;
  }

  function watch<T>(
    what: string,
    method: (opts: never) => Promise<unknown>,
    watchOptions: Record<string, unknown>,
    convert: (raw: unknown) => T,
    handlers: WatchHandlers<T>,
  ): BlockingWatch {
    const watcher = client.watch({
      method,
      // The typings say string values; the client passes booleans such as `passing` through.
      options: { ...watchOptions, wait },
      backoffFactor: 100,
      backoffMax,
    });
    watcher.on('change', (data: unknown) => {
      let value: T;
      try {
        value = convert(data);
      } catch (error) {
        handlers.onError(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      handlers.onChange(value);
    });
    watcher.on('error', (error: unknown) => {
      handlers.onError(consulError(`watch of ${what} failed: ${describe(error)}`, error));
    });
    return { stop: () => watcher.end() };
  }

  const toInstances = (raw: unknown) =>
    parse('a health query', healthEntriesSchema, raw).map(toInstance);
  const toKv = (raw: unknown): KvEntry[] =>
    raw === undefined
      ? []
      : parse('a KV read', kvItemsSchema, raw).map((item) => ({
          key: item.Key,
          value: item.Value ?? '',
        }));

  return {
    address: base,

    async registerService(definition) {
      const { check } = definition;
      const common = {
        name: `${definition.name} readiness`,
        checkid: definition.checkId,
        deregistercriticalserviceafter: check.deregisterCriticalServiceAfter,
      };
      await call(`registering ${definition.id}`, () =>
        client.agent.service.register({
          name: definition.name,
          id: definition.id,
          address: definition.address,
          port: definition.port,
          tags: definition.tags ?? [],
          meta: definition.meta ?? {},
          check:
            'ttl' in check
              ? // The typings demand a timeout; the client does not send one for TTL checks.
                { ...common, ttl: check.ttl, timeout: check.ttl }
              : 'tcp' in check
                ? { ...common, tcp: check.tcp, interval: check.interval, timeout: check.timeout }
                : { ...common, http: check.http, interval: check.interval, timeout: check.timeout },
        }),
      );
      log.info(
        { service: definition.name, id: definition.id, port: definition.port },
        'registered in Consul',
      );
    },

    async deregisterService(id) {
      try {
        await client.agent.service.deregister(id);
      } catch (error) {
        // 404 "Unknown service ID": already gone (reaped while critical, or Consul restarted).
        if (statusOf(error) !== 404) throw refusal(`deregistering ${id}`, error);
        log.info({ id }, 'already deregistered from Consul');
        return;
      }
      log.info({ id }, 'deregistered from Consul');
    },

    async updateTtlCheck(checkId, status, note) {
      await call(`updating check ${checkId}`, () =>
        client.agent.check[status]({ id: checkId, note }),
      );
    },

    async healthyInstances(service) {
      const raw: unknown = await call(`reading ${service}`, () =>
        client.health.service({ service, passing: true }),
      );
      return toInstances(raw);
    },

    watchHealthyInstances(service, handlers) {
      return watch(
        `service ${service}`,
        (opts: never) => client.health.service(opts),
        { service, passing: true },
        toInstances,
        handlers,
      );
    },

    async listKv(prefix) {
      const raw: unknown = await call(`reading ${prefix}`, () =>
        client.kv.get({ key: prefix, recurse: true }),
      );
      return toKv(raw);
    },

    watchKvPrefix(prefix, handlers) {
      return watch(
        `keys under ${prefix}`,
        (opts: never) => client.kv.get(opts),
        { key: prefix, recurse: true },
        toKv,
        handlers,
      );
    },

    async setKv(key, value, setOptions = {}) {
      const result: unknown = await call(`writing ${key}`, () =>
        setOptions.cas === undefined
          ? client.kv.set(key, value)
          : client.kv.set({ key, value, cas: setOptions.cas }),
      );
      // The v2 client resolves a refused CAS write to undefined rather than false.
      return result === true;
    },

    async deleteKv(key) {
      await call(`deleting ${key}`, () => client.kv.del(key));
    },

    async defaultAclPolicy() {
      let response: Response;
      try {
        response = await fetch(`${base}/v1/status/leader`);
      } catch (error) {
        throw consulError(`Consul at ${base} is not reachable: ${describe(error)}`, error);
      }
      await response.body?.cancel();
      return response.headers.get('x-consul-default-acl-policy')?.toLowerCase() ?? undefined;
    },

    async request(method, path, body) {
      const headers: Record<string, string> = {};
      if (options.token) headers['X-Consul-Token'] = options.token;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        throw consulError(`Consul at ${base} is not reachable: ${describe(error)}`, error);
      }
      return { status: response.status, text: await response.text() };
    },

    close() {
      client.destroy();
    },
  };
}
