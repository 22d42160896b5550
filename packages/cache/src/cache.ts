import {
  sameAddress,
  type AddressSource,
  type Credentials,
  type CredentialSource,
  type ServiceAddress,
} from '@flowstack/credentials';
import { serializeError, type Logger } from '@flowstack/observability';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import { CacheUnavailableError } from './cache-errors.js';
import { createRateLimitedWarn } from './rate-limited-log.js';

export interface Cache {
  /**
   * Cache-aside: GET key; on a hit parse and return it; on a miss call load(), SET key EX ttl
   * (undefined results are not cached) and return the result. When Redis is down or slow it
   * returns load()'s result: it never throws because of Redis (load's own errors do propagate).
   */
  getOrLoad<T>(
    key: string,
    ttlSeconds: number,
    load: () => Promise<T | undefined>,
    parse: (raw: unknown) => T,
  ): Promise<T | undefined>;
  /** The parsed value, or undefined when missing or corrupt. Throws CacheUnavailableError. */
  getJson<T>(key: string, parse: (raw: unknown) => T): Promise<T | undefined>;
  /** Throws CacheUnavailableError. */
  setJson(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** SET NX EX: true when this call set it. Throws CacheUnavailableError. */
  setJsonIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean>;
  /** How many of the keys existed. Throws CacheUnavailableError. */
  delete(...keys: string[]): Promise<number>;
  /** Throws CacheUnavailableError. */
  ping(): Promise<void>;
  /** Whether the connection is up and ready for commands right now. */
  readonly ready: boolean;
  close(): Promise<void>;
}

export interface CacheOptions {
  host: string;
  port: number;
  /** Prepended to every key, e.g. "flowstack:api:". */
  keyPrefix: string;
  credentials: CredentialSource;
  /**
   * Set when Redis can move (discovered through Consul): its current address wins over host/port;
   * on a move a connection to the new address replaces the old one, which quits after the
   * replies it still owes.
   */
  address?: AddressSource;
  /** A command not answered within this time fails (and getOrLoad falls back). Default 500. */
  commandTimeoutMs?: number;
  /** Cap of the reconnect backoff; reconnection never stops. Default 2000. */
  maxReconnectDelayMs?: number;
  /** Shown by CLIENT LIST, so operators (and tests) can find this connection. */
  connectionName?: string;
  logger: Logger;
  /** Called each time getOrLoad serves without Redis ("get" or "set"): hook for a metric. */
  onDegraded?: (operation: string) => void;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 500;
const DEFAULT_MAX_RECONNECT_DELAY_MS = 2_000;
const WARN_INTERVAL_MS = 10_000;

/**
 * Connects in the background and waits (at most about one connect timeout) for the first
 * connection, so that the first requests are served from Redis when it is up. Never throws
 * because Redis is down: the cache starts degraded and recovers by itself.
 */
export async function createCache(options: CacheOptions): Promise<Cache> {
  const log = options.logger.child({ component: 'cache' });
  const warn = createRateLimitedWarn(log, WARN_INTERVAL_MS);
  const commandTimeout = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const maxDelay = options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS;
  const first = await options.credentials.current();
  let generation = first.generation;

  let credentials = first;
  let address: ServiceAddress = options.address?.current() ?? {
    host: options.host,
    port: options.port,
  };

  function openClient(at: ServiceAddress): Redis {
    const redis = new Redis({
      host: at.host,
      port: at.port,
      keyPrefix: options.keyPrefix,
      username: credentials.username,
      password: credentials.password,
      connectionName: options.connectionName,
      lazyConnect: true,
      // Fail fast instead of queueing while disconnected: callers fall back to the source.
      enableOfflineQueue: false,
      commandTimeout,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(commandTimeout * 2, 1_000),
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelay),
    });
    redis.on('error', (error: Error) => {
      warn('connection', { err: serializeError(error) }, 'redis connection error; reconnecting');
    });
    redis.on('ready', () => {
      log.info({ generation, host: at.host, port: at.port }, 'redis connection ready');
    });
    return redis;
  }

  async function connect(redis: Redis): Promise<void> {
    await redis.connect().catch((error: unknown) => {
      warn(
        'connection',
        { err: serializeError(error) },
        'redis is not reachable yet; serving degraded',
      );
    });
  }

  let client = openClient(address);
  await connect(client);

  let moving: Promise<void> = Promise.resolve();
  let closed = false;

  async function quit(redis: Redis): Promise<void> {
    if (redis.status === 'end') return;
    if (redis.status === 'ready') {
      try {
        // QUIT is queued behind the commands already sent: their replies still arrive.
        await redis.quit();
        return;
      } catch {
        // Lost the connection while quitting: disconnect below stops the reconnects.
      }
    }
    redis.disconnect();
  }

  async function switchTo(next: ServiceAddress): Promise<void> {
    if (closed || sameAddress(next, address)) return;
    const from = address;
    address = { host: next.host, port: next.port };
    const replacement = openClient(address);
    await connect(replacement);
    if (closed) {
      await quit(replacement);
      return;
    }
    const previous = client;
    client = replacement;
    log.info({ from, to: address }, 'redis moved; new commands go to the new address');
    await quit(previous);
  }

  function move(next: ServiceAddress): Promise<void> {
    const run = moving.then(() => switchTo(next));
    moving = run.catch(() => undefined);
    return run;
  }
  const unsubscribeMove = options.address?.onMove(move) ?? (() => undefined);
  if (options.address !== undefined) void move(options.address.current());

  async function rotate(next: Credentials): Promise<void> {
    if (next.generation <= generation) return;
    generation = next.generation;
    credentials = next;
    // Read by ioredis on every reconnect.
    client.options.username = next.username;
    client.options.password = next.password;
    if (client.status !== 'ready' || (next.username === undefined && next.password === undefined)) {
      log.info(
        { generation, username: next.username },
        'redis credentials rotated; they will be used on the next connect',
      );
      return;
    }
    try {
      // Sent in order on the live connection: commands before it run as the old user, after
      // it as the new one, and nothing is dropped.
      if (next.username === undefined) await client.auth(next.password ?? '');
      else await client.auth(next.username, next.password ?? '');
      log.info({ generation, username: next.username }, 'redis credentials rotated');
    } catch (error) {
      log.warn(
        { generation, username: next.username, err: serializeError(error) },
        'redis re-authentication failed; the new credentials will be used on the next connect',
      );
    }
  }
  const unsubscribe = options.credentials.onRotate(rotate);

  async function command<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await traced(operation, run);
    } catch (error) {
      throw new CacheUnavailableError(operation, error);
    }
  }

  function degraded(operation: string, error: unknown): void {
    warn(
      `degraded-${operation}`,
      { operation, err: serializeError(error) },
      'cache unavailable; serving without it',
    );
    options.onDegraded?.(operation);
  }

  function decode<T>(key: string, raw: string | null, parse: (raw: unknown) => T): T | undefined {
    if (raw === null) return undefined;
    try {
      const data: unknown = JSON.parse(raw);
      return parse(data);
    } catch {
      // A value from an older release or a bad write: treat as a miss; the caller overwrites it.
      warn('corrupt', { key }, 'cached value could not be parsed; treating it as a miss');
      return undefined;
    }
  }

  return {
    get ready() {
      return client.status === 'ready';
    },

    async getOrLoad<T>(
      key: string,
      ttlSeconds: number,
      load: () => Promise<T | undefined>,
      parse: (raw: unknown) => T,
    ): Promise<T | undefined> {
      let raw: string | null;
      try {
        raw = await traced('get', () => client.get(key));
      } catch (error) {
        degraded('get', error);
        return load();
      }
      const cached = decode(key, raw, parse);
      if (cached !== undefined) return cached;
      const value = await load();
      if (value === undefined) return undefined;
      try {
        await traced('set', () => client.set(key, JSON.stringify(value), 'EX', ttlSeconds));
      } catch (error) {
        degraded('set', error);
      }
      return value;
    },

    async getJson<T>(key: string, parse: (raw: unknown) => T): Promise<T | undefined> {
      const raw = await command('get', () => client.get(key));
      return decode(key, raw, parse);
    },

    async setJson(key: string, value: unknown, ttlSeconds: number): Promise<void> {
      const json = JSON.stringify(value);
      await command('set', () => client.set(key, json, 'EX', ttlSeconds));
    },

    async setJsonIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
      const json = JSON.stringify(value);
      const reply = await command('set-if-absent', () =>
        client.set(key, json, 'EX', ttlSeconds, 'NX'),
      );
      return reply === 'OK';
    },

    async delete(...keys: string[]): Promise<number> {
      if (keys.length === 0) return 0;
      return command('delete', () => client.del(...keys));
    },

    async ping(): Promise<void> {
      await command('ping', () => client.ping());
    },

    async close(): Promise<void> {
      closed = true;
      unsubscribe();
      unsubscribeMove();
      await moving;
      await quit(client);
    },
  };
}

const tracer = trace.getTracer('@flowstack/cache');

/** A client span per Redis command (named by operation; keys and values stay out of it). */
function traced<T>(operation: string, run: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    `redis ${operation}`,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'redis', 'db.operation.name': operation },
    },
    async (span) => {
      try {
        return await run();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
