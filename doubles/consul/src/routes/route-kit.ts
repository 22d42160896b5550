import type { IncomingMessage } from 'node:http';
import type { AclGate, AclLevel, AclResource, Caller } from '../acl.js';
import { type BlockingRequest, parseBlocking, waitForChange } from '../blocking.js';
import type { Catalog } from '../catalog.js';
import type { ChangeIndex } from '../change-index.js';
import type { CheckRunner } from '../check-runner.js';
import type { ConfigEntries } from '../config-entries.js';
import { badRequest } from '../errors.js';
import type { KvStore } from '../kv-store.js';
import type { SessionStore } from '../sessions.js';

export interface State {
  changes: ChangeIndex;
  catalog: Catalog;
  runner: CheckRunner;
  kv: KvStore;
  sessions: SessionStore;
  config: ConfigEntries;
  acl: AclGate;
  version: string;
}

export interface Reply {
  status?: number;
  /** JSON body; `undefined` with no `text`/`raw` means an empty body. */
  json?: unknown;
  text?: string;
  raw?: Buffer;
  /** Present on blocking-capable reads: becomes X-Consul-Index and friends. */
  index?: number;
}

export interface RouteContext {
  request: IncomingMessage;
  query: URLSearchParams;
  params: string[];
  caller: Caller;
  signal: AbortSignal;
  body(): Promise<Buffer>;
}

export type Handler = (ctx: RouteContext) => Reply | Promise<Reply>;

export interface Route {
  /** A path without parameters wins over a parameterised one, as in Go's ServeMux. */
  exact: boolean;
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/**
 * What a route module receives: the state, a way to add routes, and the helpers every area
 * shares (ACL checks and blocking reads). One module per API area registers through it.
 */
export interface RouteKit {
  state: State;
  /** `:name` matches one segment, `:rest` the remainder (slashes included). */
  add: (method: string, path: string, handler: Handler) => void;
  authorize: (ctx: RouteContext, resource: AclResource, level: AclLevel, name?: string) => void;
  /** List endpoints filter what the caller cannot read; with a resource, that one item. */
  readable: (ctx: RouteContext, resource?: AclResource, name?: string) => boolean;
  /** Waits per the request's index/wait, then renders with the index current at that moment. */
  blocking: (
    ctx: RouteContext,
    relevantIndex: () => number,
    render: () => Omit<Reply, 'index'>,
  ) => Promise<Reply>;
}

export function createRouteKit(state: State, routes: Route[]): RouteKit {
  return {
    state,
    add: (method, path, handler) => {
      const pattern = new RegExp(
        `^${path.replace(/:rest/g, '(.*)').replace(/:[a-z]+/g, '([^/]+)')}$`,
      );
      routes.push({ exact: !path.includes(':'), method, pattern, handler });
    },
    authorize: (ctx, resource, level, name) =>
      state.acl.authorize(ctx.caller, resource, level, name),
    readable: (ctx, resource, name) => state.acl.canRead(ctx.caller, resource, name),
    blocking: async (ctx, relevantIndex, render) => {
      const request: BlockingRequest | undefined = parseBlocking(ctx.query);
      if (request) await waitForChange(state.changes, request, relevantIndex, ctx.signal);
      return { ...render(), index: relevantIndex() };
    },
  };
}

export function optionalUint(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (!/^\d+$/.test(value)) throw badRequest(`Invalid ${name} index: ${value}`);
  return value;
}

export function flag(query: URLSearchParams, name: string): boolean {
  if (!query.has(name)) return false;
  const value = query.get(name);
  return value === '' || value === null || !['0', 'false'].includes(value.toLowerCase());
}

export function rejectFilter(ctx: RouteContext): void {
  if (ctx.query.get('filter')) {
    throw badRequest('filter expressions are not implemented by consul-double');
  }
}
