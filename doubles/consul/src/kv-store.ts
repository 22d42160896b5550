import type { ChangeIndex } from './change-index.js';
import { ConsulDoubleError, badRequest } from './errors.js';

export interface KvEntry {
  key: string;
  value: Buffer;
  flags: bigint;
  createIndex: number;
  modifyIndex: number;
  lockIndex: number;
  /** The session holding the lock, if any. */
  session?: string;
}

export interface KvPutOptions {
  cas?: number;
  flags?: bigint;
}

export interface KvLockOptions {
  session: string;
  flags?: bigint;
  /** Clock reading for the lock-delay check. */
  now: number;
}

export interface KvDeleteOptions {
  recurse?: boolean;
  cas?: number;
}

const MAX_VALUE_BYTES = 512 * 1024;

/**
 * Consul's KV store: entries with create/modify indexes from the shared change index, and
 * tombstones so a blocking query on a deleted key or prefix still sees the delete move its index.
 */
export class KvStore {
  private readonly entries = new Map<string, KvEntry>();
  private readonly tombstones = new Map<string, number>();
  /** Key -> clock ms until which no session may acquire it (the invalidated session's LockDelay). */
  private readonly lockDelays = new Map<string, number>();
  private tableIndex = 0;

  constructor(private readonly changes: ChangeIndex) {}

  get(key: string): KvEntry | undefined {
    return this.entries.get(key);
  }

  list(prefix: string): KvEntry[] {
    return [...this.entries.values()]
      .filter((entry) => entry.key.startsWith(prefix))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Key names under a prefix; with a separator, deeper keys fold into `<prefix>…<sep>`. */
  keys(prefix: string, separator?: string): string[] {
    const out = new Set<string>();
    for (const entry of this.list(prefix)) {
      if (separator) {
        const cut = entry.key.indexOf(separator, prefix.length);
        out.add(cut === -1 ? entry.key : entry.key.slice(0, cut + separator.length));
      } else {
        out.add(entry.key);
      }
    }
    return [...out];
  }

  /** The index a blocking query on `key` (or on the prefix, when `prefix`) waits to move past. */
  indexFor(key: string, prefix: boolean): number {
    let max = 0;
    if (prefix) {
      for (const entry of this.entries.values()) {
        if (entry.key.startsWith(key)) max = Math.max(max, entry.modifyIndex);
      }
      for (const [name, index] of this.tombstones) {
        if (name.startsWith(key)) max = Math.max(max, index);
      }
    } else {
      max = Math.max(this.entries.get(key)?.modifyIndex ?? 0, this.tombstones.get(key) ?? 0);
    }
    return max > 0 ? max : Math.max(this.tableIndex, 1);
  }

  put(key: string, value: Buffer, options: KvPutOptions = {}): boolean {
    checkPut(key, value);
    const existing = this.entries.get(key);
    if (options.cas !== undefined) {
      if (options.cas === 0 && existing) return false;
      if (options.cas > 0 && existing?.modifyIndex !== options.cas) return false;
    }
    this.write(key, value, options.flags ?? 0n, existing?.lockIndex ?? 0, existing?.session);
    return true;
  }

  /**
   * `?acquire=<session>` (state/kvs.go kvsLockTxn): takes the lock unless another session holds
   * it or the key is in its lock delay; the holder may update the value without a new LockIndex.
   */
  lock(key: string, value: Buffer, options: KvLockOptions): boolean {
    checkPut(key, value);
    const existing = this.entries.get(key);
    if (existing?.session !== undefined && existing.session !== options.session) return false;
    const delayedUntil = this.lockDelays.get(key);
    if (existing?.session === undefined && delayedUntil !== undefined) {
      if (delayedUntil > options.now) return false;
      this.lockDelays.delete(key);
    }
    const lockIndex =
      existing?.session === options.session ? existing.lockIndex : (existing?.lockIndex ?? 0) + 1;
    this.write(key, value, options.flags ?? 0n, lockIndex, options.session);
    return true;
  }

  /** `?release=<session>` (kvsUnlockTxn): only the holder releases; the value is written too. */
  unlock(key: string, value: Buffer, options: KvLockOptions): boolean {
    checkPut(key, value);
    const existing = this.entries.get(key);
    if (!existing || existing.session !== options.session) return false;
    this.write(key, value, options.flags ?? 0n, existing.lockIndex, undefined);
    return true;
  }

  /**
   * A destroyed session's keys are released (Behavior release) or deleted (delete), each starting
   * its lock delay. The caller claimed `index` and notifies.
   */
  invalidateSession(
    sessionId: string,
    behavior: 'release' | 'delete',
    delayedUntil: number,
    index: number,
  ): void {
    for (const entry of [...this.entries.values()]) {
      if (entry.session !== sessionId) continue;
      this.lockDelays.set(entry.key, delayedUntil);
      if (behavior === 'delete') {
        this.entries.delete(entry.key);
        this.tombstones.set(entry.key, index);
      } else {
        this.entries.set(entry.key, { ...entry, session: undefined, modifyIndex: index });
      }
      this.tableIndex = index;
    }
  }

  private write(
    key: string,
    value: Buffer,
    flags: bigint,
    lockIndex: number,
    session: string | undefined,
  ): void {
    const existing = this.entries.get(key);
    const index = this.changes.next();
    this.entries.set(key, {
      key,
      value,
      flags,
      createIndex: existing?.createIndex ?? index,
      modifyIndex: index,
      lockIndex,
      ...(session === undefined ? {} : { session }),
    });
    this.tombstones.delete(key);
    this.tableIndex = index;
    this.changes.notify();
  }

  delete(key: string, options: KvDeleteOptions = {}): boolean {
    if (key === '' && !options.recurse) throw badRequest('Missing key name');
    if (options.cas !== undefined && !options.recurse) {
      const existing = this.entries.get(key);
      // Consul: a cas delete needs the current ModifyIndex; cas=0 never matches.
      if (!existing || existing.modifyIndex !== options.cas) return false;
    }
    const doomed: string[] = options.recurse
      ? this.list(key).map((entry) => entry.key)
      : this.entries.has(key)
        ? [key]
        : [];
    const index = this.changes.next();
    for (const name of doomed) {
      this.entries.delete(name);
      this.tombstones.set(name, index);
    }
    this.tableIndex = index;
    this.changes.notify();
    return true;
  }
}

function checkPut(key: string, value: Buffer): void {
  if (key === '') throw badRequest('Missing key name');
  if (value.length > MAX_VALUE_BYTES) {
    throw new ConsulDoubleError(
      413,
      `Request body(${value.length} bytes) too large, max size: ${MAX_VALUE_BYTES} bytes.`,
    );
  }
}
