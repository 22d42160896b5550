import type { ChangeIndex } from './change-index.js';
import { ConsulDoubleError, badRequest } from './errors.js';

export interface KvEntry {
  key: string;
  value: Buffer;
  flags: bigint;
  createIndex: number;
  modifyIndex: number;
  lockIndex: number;
}

export interface KvPutOptions {
  cas?: number;
  flags?: bigint;
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
    if (key === '') throw badRequest('Missing key name');
    if (value.length > MAX_VALUE_BYTES) {
      throw new ConsulDoubleError(
        413,
        `Request body(${value.length} bytes) too large, max size: ${MAX_VALUE_BYTES} bytes.`,
      );
    }
    const existing = this.entries.get(key);
    if (options.cas !== undefined) {
      if (options.cas === 0 && existing) return false;
      if (options.cas > 0 && existing?.modifyIndex !== options.cas) return false;
    }
    const index = this.changes.next();
    this.entries.set(key, {
      key,
      value,
      flags: options.flags ?? 0n,
      createIndex: existing?.createIndex ?? index,
      modifyIndex: index,
      lockIndex: existing?.lockIndex ?? 0,
    });
    this.tombstones.delete(key);
    this.tableIndex = index;
    this.changes.notify();
    return true;
  }

  delete(key: string, options: KvDeleteOptions = {}): boolean {
    if (key === '' && !options.recurse) throw badRequest('Missing key name');
    if (options.cas !== undefined && !options.recurse) {
      const existing = this.entries.get(key);
      // Consul: a cas delete needs the current ModifyIndex; cas=0 never matches.
      if (!existing || existing.modifyIndex !== options.cas) return false;
    }
    const doomed = options.recurse
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
