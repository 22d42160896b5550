import { parseDuration } from '../../core/ttl.js';
import { VaultError, type EngineContext, type PersistentEngine } from '../../core/types.js';
import { listChildren } from './kv-store.js';

interface KvV1Snapshot {
  entries: Record<string, Record<string, unknown>>;
}

/** Vault's system default and maximum lease TTL when the mount sets none (768h, dev server). */
export const SYSTEM_DEFAULT_LEASE_SECONDS = 768 * 3600;

/**
 * KV version 1: flat secrets, no versions. Secrets live in a Map, so a path named `__proto__` or
 * `constructor` is a key like any other.
 */
export function createKvV1Engine(ctx: EngineContext): PersistentEngine {
  const saved = (ctx.saved as KvV1Snapshot | undefined)?.entries ?? {};
  const entries = new Map<string, Record<string, unknown>>(Object.entries(saved));
  const defaultLease = mountSeconds(ctx.options['default_lease_ttl']);
  const maxLease = mountSeconds(ctx.options['max_lease_ttl']);

  /**
   * passthrough.go handleRead: `lease_duration` comes from the secret's `ttl`, else its `lease`,
   * else the mount default; a value that does not parse is ignored. The core then caps it at the
   * mount's maximum and puts the default in place of 0 (vault/request_handling.go).
   */
  const advisoryLease = (entry: Record<string, unknown>): number => {
    const raw = Object.hasOwn(entry, 'ttl')
      ? entry['ttl']
      : Object.hasOwn(entry, 'lease')
        ? entry['lease']
        : undefined;
    let seconds = defaultLease;
    if (raw !== undefined) {
      try {
        seconds = parseDuration(raw, defaultLease);
      } catch {
        seconds = defaultLease;
      }
    }
    if (seconds === 0) seconds = defaultLease;
    return Math.min(seconds, maxLease);
  };

  return {
    type: 'kv',
    exists: (path) => Promise.resolve(entries.has(path)),
    handle(req) {
      const path = req.path;
      switch (req.operation) {
        case 'read': {
          const entry = entries.get(path);
          if (!entry) throw new VaultError(404, '');
          return Promise.resolve({
            status: 200,
            data: entry,
            advisoryLeaseSeconds: advisoryLease(entry),
          });
        }
        case 'create':
        case 'update':
          if (path === '') throw new VaultError(400, 'missing path');
          if (Object.keys(req.body).length === 0) throw new VaultError(400, 'missing data fields');
          entries.set(path, { ...req.body });
          return Promise.resolve({ status: 204 });
        case 'delete':
          entries.delete(path);
          return Promise.resolve({ status: 204 });
        case 'list':
          return Promise.resolve({
            status: 200,
            data: { keys: listChildren(entries.keys(), path) },
          });
        default:
          throw new VaultError(405, 'unsupported operation');
      }
    },
    close: () => Promise.resolve(),
    snapshot: (): KvV1Snapshot => ({ entries: Object.fromEntries(entries) }),
  };
}

/** A mount's default/max lease TTL; absent or 0 means the system's. */
function mountSeconds(value: unknown): number {
  try {
    const seconds = parseDuration(value, 0);
    return seconds > 0 ? seconds : SYSTEM_DEFAULT_LEASE_SECONDS;
  } catch {
    return SYSTEM_DEFAULT_LEASE_SECONDS;
  }
}
