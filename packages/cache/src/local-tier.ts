import { createHash } from 'node:crypto';

/** One cached value as the process keeps it: the JSON text, its ETag, and the parsed value. */
export interface LocalEntry {
  readonly json: string;
  /** A weak ETag of `json`, computed once per entry instead of once per response. */
  readonly etag: string;
  readonly value: unknown;
}

export interface LocalTierOptions {
  /** Most entries kept; the least recently used goes first. */
  maxEntries: number;
  /** Most bytes of JSON text kept (UTF-16 length, which is what the heap holds). */
  maxBytes: number;
  /** Longest an entry is served without asking Redis: the safety net for a missed invalidation. */
  ttlMs: number;
  now?: () => number;
}

interface Slot extends LocalEntry {
  bytes: number;
  expiresAt: number;
}

/**
 * An in-process LRU in front of Redis, bounded in entries and bytes. A Map keeps insertion order,
 * so re-inserting on a hit makes its first key the least recently used.
 */
export class LocalTier {
  private readonly slots = new Map<string, Slot>();
  private bytes = 0;
  private readonly now: () => number;

  constructor(private readonly options: LocalTierOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.slots.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  get(key: string): LocalEntry | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    if (slot.expiresAt <= this.now()) {
      this.drop(key, slot);
      return undefined;
    }
    this.slots.delete(key);
    this.slots.set(key, slot);
    return slot;
  }

  set(key: string, json: string, value: unknown, ttlMs = this.options.ttlMs): LocalEntry {
    const entry: Slot = {
      json,
      etag: weakEtag(json),
      value,
      bytes: json.length * 2,
      expiresAt: this.now() + Math.min(ttlMs, this.options.ttlMs),
    };
    const previous = this.slots.get(key);
    if (previous !== undefined) this.drop(key, previous);
    // A value bigger than the whole budget is served but not kept.
    if (entry.bytes > this.options.maxBytes || this.options.maxEntries === 0) return entry;
    this.slots.set(key, entry);
    this.bytes += entry.bytes;
    for (const [oldest, slot] of this.slots) {
      if (this.slots.size <= this.options.maxEntries && this.bytes <= this.options.maxBytes) break;
      this.drop(oldest, slot);
    }
    return entry;
  }

  delete(key: string): void {
    const slot = this.slots.get(key);
    if (slot !== undefined) this.drop(key, slot);
  }

  clear(): void {
    this.slots.clear();
    this.bytes = 0;
  }

  private drop(key: string, slot: Slot): void {
    this.slots.delete(key);
    this.bytes -= slot.bytes;
  }
}

/** The same form Express's default (`etag` package, weak) produces for a string body. */
export function weakEtag(json: string): string {
  const length = Buffer.byteLength(json, 'utf8');
  if (length === 0) return 'W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"';
  const hash = createHash('sha1').update(json, 'utf8').digest('base64').slice(0, 27);
  return `W/"${length.toString(16)}-${hash}"`;
}
