/**
 * The contract between the double's HTTP core (routing, tokens, policies, audit) and the
 * secret engines mounted in it (kv, transit, pki, database, rabbitmq). Both sides code to this.
 */

/** Vault ACL capabilities an operation needs. POST/PUT become create or update by an existence check. */
export type Operation = 'create' | 'read' | 'update' | 'delete' | 'list' | 'patch';

export interface TokenEntry {
  /** The token itself (secret). Never log it. */
  id: string;
  accessor: string;
  policies: string[];
  displayName: string;
  meta: Record<string, string>;
  /** Entity / alias metadata that templated policies may refer to. */
  entityAliasMetadata: Record<string, string>;
  /** Clock milliseconds, or undefined for tokens that never expire (root). */
  expiresAt: number | undefined;
}

export interface EngineRequest {
  operation: Operation;
  /** The mount as configured, with a trailing slash: "database/". */
  mountPath: string;
  /** The path inside the mount, no leading slash: "creds/api-readonly". */
  path: string;
  body: Record<string, unknown>;
  query: URLSearchParams;
  token: TokenEntry;
}

/** A lease the engine hands out. The core's lease manager owns timers, renew caps and revoke. */
export interface LeaseSpec {
  /** Path the lease id starts with, e.g. "database/creds/api-readonly". A uuid is appended. */
  pathPrefix: string;
  ttlSeconds: number;
  maxTtlSeconds: number;
  renewable: boolean;
  /** Runs when the lease is renewed, with the new expiry (e.g. ALTER ROLE ... VALID UNTIL). */
  onRenew(expiresAt: Date): Promise<void>;
  /** Runs on revoke or expiry (e.g. terminate sessions and DROP ROLE). Must be idempotent. */
  onRevoke(): Promise<void>;
}

export interface IssuedLease {
  leaseId: string;
  leaseDurationSeconds: number;
  renewable: boolean;
  expiresAt: Date;
}

export interface LeaseRegistry {
  issue(spec: LeaseSpec): IssuedLease;
}

export interface Clock {
  /** Milliseconds since the epoch, as seen by the double (tests may speed it up). */
  now(): number;
  /** A timer on the double's clock; returns a cancel function. */
  setTimer(atMs: number, fn: () => void): () => void;
}

export interface EngineResponse {
  status: number;
  /** Goes into the envelope's `data` (200) */
  data?: unknown;
  lease?: IssuedLease;
  warnings?: string[];
  /** Raw body (e.g. PEM for pki/ca/pem) sent as-is with this content type. */
  raw?: { contentType: string; body: string };
  /** `lease_duration` without a lease (KV v1 returns a stored `ttl` key this way). */
  advisoryLeaseSeconds?: number;
}

export interface EngineContext {
  mountPath: string;
  clock: Clock;
  leases: LeaseRegistry;
  /** Options given at mount time (sys/mounts `options`, `config`). */
  options: Record<string, unknown>;
  /** With --state-file: what the engine's `snapshot()` returned before the restart. */
  saved?: unknown;
}

export interface SecretEngine {
  readonly type: string;
  /**
   * Whether a path already exists, for create-vs-update ACL checks: false makes a POST/PUT need
   * `create`, true `update`. Paths without an existence notion in Vault (creds/, rotate-root/,
   * transit decrypt/, pki issue/) must answer true, as Vault treats those writes as `update`.
   */
  exists(path: string): Promise<boolean>;
  handle(req: EngineRequest): Promise<EngineResponse>;
  /** Paths inside the mount served without a token (pki's ca/pem); none when absent. */
  isUnauthenticated?(path: string, operation: Operation): boolean;
  /** Called when the double stops: cancel timers, close connections. */
  close(): Promise<void>;
}

/** An engine whose state survives a restart when the double runs with --state-file. */
export interface PersistentEngine extends SecretEngine {
  /** JSON-serializable state, handed back as `EngineContext.saved` on the next start. */
  snapshot(): unknown;
}

export function isPersistentEngine(engine: SecretEngine): engine is PersistentEngine {
  return typeof (engine as Partial<PersistentEngine>).snapshot === 'function';
}

export type EngineFactory = (ctx: EngineContext) => SecretEngine;

/** Engines throw this for documented errors; the core renders `{"errors":[message]}` with status. */
export class VaultError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}

/** A request the core hands to a route module after authenticating it and checking the ACL. */
export interface RouteRequest {
  operation: Operation;
  /** The full path after `/v1/`, no leading slash: "sys/leases/renew". */
  path: string;
  body: Record<string, unknown>;
  query: URLSearchParams;
  token: TokenEntry;
}

/**
 * Routes under fixed path prefixes (not a mount), e.g. sys/leases/*. The core serves a path
 * after `/v1/` here when it starts with one of `prefixes` as a plain string ("sys/revoke" also
 * takes "sys/revoke-prefix/x"), checks the ACL as for any other path, then calls `handle`.
 * Errors are thrown as VaultError.
 */
export interface RouteModule {
  readonly prefixes: readonly string[];
  handle(req: RouteRequest): Promise<EngineResponse>;
  /** Paths (full, after /v1/) that also need the `sudo` capability. */
  needsSudo?(path: string, operation: Operation): boolean;
}
