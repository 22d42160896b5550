import {
  sameAddress,
  type AddressSource,
  type Credentials,
  type CredentialSource,
  type ServiceAddress,
  type TlsPeer,
  tlsConnectOptions,
} from '@flowstack/credentials';
import { serializeError, type Logger } from '@flowstack/observability';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import { CacheUnavailableError } from './cache-errors.js';
import { LocalTier, weakEtag, type LocalEntry, type LocalTierOptions } from './local-tier.js';
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
  /**
   * getOrLoad for a response body: the value's JSON text and its ETag, so a hit costs no
   * serialisation. Same fallbacks as getOrLoad.
   */
  getBodyOrLoad<T>(
    key: string,
    ttlSeconds: number,
    load: () => Promise<T | undefined>,
    parse: (raw: unknown) => T,
  ): Promise<CachedBody | undefined>;
  /**
   * getOrLoad for many keys at once: the in-process tier, then one pipelined round trip to Redis,
   * then one `load` call for what is still missing. Keys `load` does not return are absent.
   */
  getManyOrLoad<T>(
    keys: readonly string[],
    ttlSeconds: number,
    load: (missing: readonly string[]) => Promise<ReadonlyMap<string, T>>,
    parse: (raw: unknown) => T,
  ): Promise<Map<string, T>>;
  /** SET NX EX: true when this call set it. Throws CacheUnavailableError. */
  setJsonIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean>;
  /**
   * SET NX EX GET in one command: `{ claimed: true }` when this call set the value, else the
   * value already there (parsed, or undefined when corrupt). Atomic: two callers can never both
   * claim, and the loser always sees the winner's value. Throws CacheUnavailableError.
   */
  claimJson<T>(
    key: string,
    value: unknown,
    ttlSeconds: number,
    parse: (raw: unknown) => T,
  ): Promise<{ claimed: true } | { claimed: false; existing: T | undefined }>;
  /** How many of the keys existed. Throws CacheUnavailableError. */
  delete(...keys: string[]): Promise<number>;
  /** Throws CacheUnavailableError. */
  ping(): Promise<void>;
  /** Whether the connection is up and ready for commands right now. */
  readonly ready: boolean;
  /** Whether reads are served from the in-process tier right now (subscribed to invalidations). */
  readonly localTierActive: boolean;
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
  /**
   * An in-process tier in front of Redis for getOrLoad, getBodyOrLoad and getManyOrLoad. It
   * serves only while subscribed to the invalidation channel (`<keyPrefix>invalidate`), where
   * setJson and delete announce the keys they change, so every instance drops its copy; `ttlMs`
   * bounds an entry's life if an announcement is missed. Off when absent or ttlMs is 0.
   */
  local?: LocalTierOptions;
  /** Verify-full TLS (see TlsPeer): AUTH is sent only inside a verified handshake. */
  tls?: TlsPeer;
}

export interface CachedBody {
  readonly json: string;
  readonly etag: string;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 500;

/** An entry the local tier does not keep; its ETag is computed only if someone asks. */
function entryOf(json: string, value: unknown): LocalEntry {
  let etag: string | undefined;
  return {
    json,
    value,
    get etag() {
      return (etag ??= weakEtag(json));
    },
  };
}
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
  const tls = options.tls === undefined ? {} : { tls: tlsConnectOptions(options.tls) };
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
      // Commands issued in the same turn of the event loop (the claims of concurrent POSTs, the
      // SET of one miss and the GET of the next) leave in one socket write.
      enableAutoPipelining: true,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(commandTimeout * 2, 1_000),
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelay),
      ...tls,
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

  const tier =
    options.local !== undefined && options.local.ttlMs > 0
      ? new LocalTier(options.local)
      : undefined;
  const channel = `${options.keyPrefix}invalidate`;
  let subscriber: Redis | undefined;
  let subscribed = false;

  /**
   * A second connection in subscriber mode. The tier serves only between a confirmed SUBSCRIBE
   * and the connection's loss (then it is emptied): an invalidation cannot be missed unnoticed.
   */
  function openSubscriber(at: ServiceAddress): Redis {
    const redis = new Redis({
      host: at.host,
      port: at.port,
      username: credentials.username,
      password: credentials.password,
      connectionName:
        options.connectionName === undefined ? undefined : `${options.connectionName}-invalidate`,
      lazyConnect: true,
      autoResubscribe: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(commandTimeout * 2, 1_000),
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelay),
      ...tls,
    });
    redis.on('error', (error: Error) => {
      warn('invalidation', { err: error }, 'redis invalidation channel error; local tier off');
    });
    redis.on('ready', () => {
      redis.subscribe(channel).then(
        () => {
          subscribed = true;
        },
        (error: unknown) => {
          warn('invalidation', { err: error }, 'redis refused SUBSCRIBE; local tier off');
        },
      );
    });
    redis.on('close', () => {
      subscribed = false;
      tier?.clear();
    });
    redis.on('message', (_channel: string, key: string) => {
      tier?.delete(key);
    });
    return redis;
  }
  if (tier !== undefined) {
    subscriber = openSubscriber(address);
    await subscriber.connect().catch(() => undefined);
  }
  const localTier = (): LocalTier | undefined => (subscribed ? tier : undefined);

  /** Drops local copies here and, best effort, in every other instance. */
  async function announce(keys: readonly string[]): Promise<void> {
    if (tier === undefined) return;
    for (const key of keys) tier.delete(key);
    try {
      await Promise.all(keys.map((key) => client.publish(channel, key)));
    } catch (error) {
      warn('invalidation', { err: error }, 'invalidation not announced; other copies expire');
    }
  }

  let moving: Promise<void> = Promise.resolve();
  let closed = false;

  async function quit(redis: Redis): Promise<void> {
    if (redis.status === 'end') return;
    if (redis.status === 'ready') {
      try {
        // QUIT skips the auto-pipeline: let the commands queued there leave first.
        while (redis.autoPipelineQueueSize > 0 && redis.status === 'ready') {
          await new Promise((resolve) => setImmediate(resolve));
        }
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
    if (subscriber !== undefined) {
      const old = subscriber;
      subscriber = openSubscriber(address);
      old.disconnect();
      await subscriber.connect().catch(() => undefined);
    }
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
    if (subscriber !== undefined) {
      subscriber.options.username = next.username;
      subscriber.options.password = next.password;
    }
    if (client.status !== 'ready' || (next.username === undefined && next.password === undefined)) {
      log.info(
        { generation, username: next.username },
        'redis credentials rotated; they will be used on the next connect',
      );
      return;
    }
    try {
      // Sent on the live connection: commands after it run as the new user, those already
      // sent as the old one (AUTH skips the auto-pipeline, so commands queued in this turn may
      // run as the new user too: both users hold the same rights), and nothing is dropped.
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

  /** Parses a Redis reply and keeps it in the local tier; undefined for a miss or a bad value. */
  function remember<T>(
    key: string,
    raw: string | null,
    parse: (raw: unknown) => T,
  ): LocalEntry | undefined {
    const value = decode(key, raw, parse);
    if (value === undefined || raw === null) return undefined;
    return localTier()?.set(key, raw, value) ?? entryOf(raw, value);
  }

  async function readThrough<T>(
    key: string,
    ttlSeconds: number,
    load: () => Promise<T | undefined>,
    parse: (raw: unknown) => T,
  ): Promise<LocalEntry | undefined> {
    const local = localTier();
    const hit = local?.get(key);
    if (hit !== undefined) return hit;
    let raw: string | null;
    try {
      raw = await traced('get', () => client.get(key));
    } catch (error) {
      degraded('get', error);
      const value = await load();
      return value === undefined ? undefined : entryOf(JSON.stringify(value), value);
    }
    const cached = remember(key, raw, parse);
    if (cached !== undefined) return cached;
    const value = await load();
    if (value === undefined) return undefined;
    const json = JSON.stringify(value);
    try {
      await traced('set', () => client.set(key, json, 'EX', ttlSeconds));
    } catch (error) {
      degraded('set', error);
    }
    return local?.set(key, json, value, ttlSeconds * 1000) ?? entryOf(json, value);
  }

  return {
    get ready() {
      return client.status === 'ready';
    },

    get localTierActive() {
      return localTier() !== undefined;
    },

    async getOrLoad<T>(
      key: string,
      ttlSeconds: number,
      load: () => Promise<T | undefined>,
      parse: (raw: unknown) => T,
    ): Promise<T | undefined> {
      return (await readThrough(key, ttlSeconds, load, parse))?.value as T | undefined;
    },

    async getBodyOrLoad<T>(
      key: string,
      ttlSeconds: number,
      load: () => Promise<T | undefined>,
      parse: (raw: unknown) => T,
    ): Promise<CachedBody | undefined> {
      return readThrough(key, ttlSeconds, load, parse);
    },

    async getManyOrLoad<T>(
      keys: readonly string[],
      ttlSeconds: number,
      load: (missing: readonly string[]) => Promise<ReadonlyMap<string, T>>,
      parse: (raw: unknown) => T,
    ): Promise<Map<string, T>> {
      const found = new Map<string, T>();
      const local = localTier();
      let missing = [...new Set(keys)].filter((key) => {
        const entry = local?.get(key);
        if (entry !== undefined) found.set(key, entry.value as T);
        return entry === undefined;
      });
      if (missing.length === 0) return found;
      let redisUp = true;
      try {
        const replies = await traced('get', () => {
          const pipeline = client.pipeline();
          for (const key of missing) pipeline.get(key);
          return pipeline.exec();
        });
        missing = missing.filter((key, index) => {
          const [error, raw] = replies?.[index] ?? [new Error('no reply')];
          const entry = error ? undefined : remember(key, raw as string | null, parse);
          if (entry !== undefined) found.set(key, entry.value as T);
          return entry === undefined;
        });
      } catch (error) {
        redisUp = false;
        degraded('get', error);
      }
      if (missing.length === 0) return found;
      const loaded = await load(missing);
      const writes: [string, string][] = [];
      for (const [key, value] of loaded) {
        found.set(key, value);
        const json = JSON.stringify(value);
        local?.set(key, json, value, ttlSeconds * 1000);
        writes.push([key, json]);
      }
      if (redisUp && writes.length > 0) {
        try {
          await traced('set', () => {
            const pipeline = client.pipeline();
            for (const [key, json] of writes) pipeline.set(key, json, 'EX', ttlSeconds);
            return pipeline.exec();
          });
        } catch (error) {
          degraded('set', error);
        }
      }
      return found;
    },

    async getJson<T>(key: string, parse: (raw: unknown) => T): Promise<T | undefined> {
      const raw = await command('get', () => client.get(key));
      return decode(key, raw, parse);
    },

    async setJson(key: string, value: unknown, ttlSeconds: number): Promise<void> {
      const json = JSON.stringify(value);
      await command('set', () => client.set(key, json, 'EX', ttlSeconds));
      await announce([key]);
    },

    async setJsonIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
      const json = JSON.stringify(value);
      const reply = await command('set-if-absent', () =>
        client.set(key, json, 'EX', ttlSeconds, 'NX'),
      );
      return reply === 'OK';
    },

    async claimJson<T>(
      key: string,
      value: unknown,
      ttlSeconds: number,
      parse: (raw: unknown) => T,
    ): Promise<{ claimed: true } | { claimed: false; existing: T | undefined }> {
      const json = JSON.stringify(value);
      // Redis 7.0+: with NX, GET returns the value that prevented the SET, or nil when it set.
      const reply = await command('claim', () =>
        client.call('SET', key, json, 'EX', String(ttlSeconds), 'NX', 'GET'),
      );
      if (reply === null) return { claimed: true };
      return {
        claimed: false,
        existing: decode(key, typeof reply === 'string' ? reply : null, parse),
      };
    },

    async delete(...keys: string[]): Promise<number> {
      if (keys.length === 0) return 0;
      const deleted = await command('delete', () => client.del(...keys));
      await announce(keys);
      return deleted;
    },

    async ping(): Promise<void> {
      await command('ping', () => client.ping());
    },

    async close(): Promise<void> {
      closed = true;
      unsubscribe();
      unsubscribeMove();
      await moving;
      subscriber?.disconnect();
      tier?.clear();
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
