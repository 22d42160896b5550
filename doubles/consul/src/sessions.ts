import { randomUUID } from 'node:crypto';
import type { Catalog } from './catalog.js';
import type { ChangeIndex } from './change-index.js';
import { ConsulDoubleError } from './errors.js';
import type { KvStore } from './kv-store.js';

export type SessionBehavior = 'release' | 'delete';

export interface SessionInput {
  name: string;
  node: string;
  lockDelayMs: number;
  behavior: string;
  /** Go duration text as given ("" = no TTL). */
  ttl: string;
  ttlMs: number;
  nodeChecks: string[];
  serviceChecks: string[];
}

export interface SessionRecord extends Omit<SessionInput, 'behavior'> {
  id: string;
  behavior: SessionBehavior;
  createIndex: number;
  modifyIndex: number;
}

/** Consul's bounds (agent config `session_ttl_min` default 10s; structs.SessionTTLMax 24h). */
const TTL_MIN_MS = 10_000;
const TTL_MAX_MS = 24 * 3_600_000;
/** Consul invalidates a TTL session only after twice its TTL (structs.SessionTTLMultiplier). */
const TTL_MULTIPLIER = 2;

/**
 * Sessions as Consul's Session.Apply / state store keep them: tied to the one node and to checks
 * that must exist and not be critical; destroyed on request, on TTL expiry, or when one of their
 * checks turns critical or goes away. Invalidation releases (or deletes) the keys they hold and
 * starts the lock delay on them (agent/consul/state/session.go deleteSessionTxn).
 */
export class SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private tableIndex = 1;
  private invalidating = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly changes: ChangeIndex,
    private readonly catalog: Catalog,
    private readonly kv: KvStore,
    private readonly now: () => number = Date.now,
  ) {
    this.unsubscribe = changes.subscribe(() => this.invalidateUnhealthy());
  }

  get index(): number {
    return this.tableIndex;
  }

  indexOf(id: string): number {
    return this.sessions.get(id)?.modifyIndex ?? this.tableIndex;
  }

  /** Errors are the RPC errors Consul's HTTP layer answers with 500 and the message as body. */
  create(input: SessionInput): SessionRecord {
    if (input.behavior !== 'release' && input.behavior !== 'delete') {
      throw rpcError(`Invalid Behavior setting '${input.behavior}'`);
    }
    if (input.ttl !== '' && input.ttlMs !== 0) {
      if (input.ttlMs < TTL_MIN_MS || input.ttlMs > TTL_MAX_MS) {
        throw rpcError(`Invalid Session TTL '${input.ttlMs * 1e6}', must be between [10s=24h0m0s]`);
      }
    }
    if (input.node !== this.catalog.node.name) throw rpcError('Missing node registration');
    for (const checkId of [...input.nodeChecks, ...input.serviceChecks]) {
      const check = this.catalog.getCheck(checkId);
      if (!check) throw rpcError(`Missing check '${checkId}' registration`);
      if (check.status === 'critical') {
        throw rpcError(`Check '${checkId}' is in ${check.status} state`);
      }
    }
    const index = this.changes.next();
    const record: SessionRecord = {
      ...input,
      behavior: input.behavior,
      id: randomUUID(),
      createIndex: index,
      modifyIndex: index,
    };
    this.sessions.set(record.id, record);
    this.tableIndex = index;
    this.arm(record);
    this.changes.notify();
    return record;
  }

  get(id: string): SessionRecord | undefined {
    return this.sessions.get(id);
  }

  list(): SessionRecord[] {
    return [...this.sessions.values()].sort((a, b) => a.createIndex - b.createIndex);
  }

  /** Restarts the TTL timer; undefined when the session is gone. Not a write, as in Consul. */
  renew(id: string): SessionRecord | undefined {
    const record = this.sessions.get(id);
    if (record) this.arm(record);
    return record;
  }

  /** Destroys a session; unknown IDs are a no-op, as Session.Apply destroy is. */
  destroy(id: string): void {
    const record = this.sessions.get(id);
    if (!record) return;
    const index = this.changes.next();
    this.drop(record, index);
    this.changes.notify();
  }

  stop(): void {
    this.unsubscribe();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private arm(record: SessionRecord): void {
    clearTimeout(this.timers.get(record.id));
    this.timers.delete(record.id);
    if (record.ttlMs <= 0) return;
    const timer = setTimeout(() => this.destroy(record.id), record.ttlMs * TTL_MULTIPLIER);
    timer.unref();
    this.timers.set(record.id, timer);
  }

  private drop(record: SessionRecord, index: number): void {
    clearTimeout(this.timers.get(record.id));
    this.timers.delete(record.id);
    this.sessions.delete(record.id);
    this.kv.invalidateSession(record.id, record.behavior, this.now() + record.lockDelayMs, index);
    this.tableIndex = index;
  }

  /** A session whose check turned critical or was removed is invalidated (Consul's checks link). */
  private invalidateUnhealthy(): void {
    if (this.invalidating || this.sessions.size === 0) return;
    const doomed = this.list().filter((record) =>
      [...record.nodeChecks, ...record.serviceChecks].some((checkId) => {
        const check = this.catalog.getCheck(checkId);
        return !check || check.status === 'critical';
      }),
    );
    if (doomed.length === 0) return;
    this.invalidating = true;
    try {
      const index = this.changes.next();
      for (const record of doomed) this.drop(record, index);
      this.changes.notify();
    } finally {
      this.invalidating = false;
    }
  }
}

export function sessionView(record: SessionRecord): Record<string, unknown> {
  return {
    ID: record.id,
    Name: record.name,
    Node: record.node,
    LockDelay: Math.round(record.lockDelayMs * 1e6),
    Behavior: record.behavior,
    TTL: record.ttl,
    NodeChecks: record.nodeChecks.length ? record.nodeChecks : null,
    ServiceChecks: record.serviceChecks.length
      ? record.serviceChecks.map((id) => ({ ID: id, Namespace: '' }))
      : null,
    CreateIndex: record.createIndex,
    ModifyIndex: record.modifyIndex,
  };
}

const rpcError = (message: string): ConsulDoubleError => new ConsulDoubleError(500, message);
