import { badRequest, ConsulDoubleError } from '../errors.js';
import type { KvEntry } from '../kv-store.js';
import { type RouteContext, type RouteKit, optionalUint } from './route-kit.js';

/**
 * /v1/kv/*: the key/value store, with the checks of Consul's agent/kvs_endpoint.go in its order:
 * a missing key name and conflicting flags are refused before the ACL check (which Consul makes
 * in the RPC), `?keys` on the root answers `[]`, not 404.
 */
export function registerKvRoutes({ add, authorize, blocking, state }: RouteKit): void {
  const { kv, sessions } = state;

  add('GET', '/v1/kv/:rest', (ctx) => {
    const key = ctx.params[0] ?? '';
    const keysOnly = ctx.query.has('keys');
    const recurse = keysOnly || ctx.query.has('recurse');
    if (!recurse && key === '') throw badRequest('Missing key name');
    authorize(ctx, 'key', 'read', key);
    return blocking(
      ctx,
      () => kv.indexFor(key, recurse),
      () => {
        if (keysOnly) {
          // KVSGetKeys: "We do not generate not found for the root, but just provide the empty list".
          const separator = ctx.query.get('separator') ?? ctx.query.get('seperator') ?? undefined;
          const keys = kv.keys(key, separator);
          return keys.length || key === '' ? { json: keys } : { status: 404 };
        }
        if (recurse) {
          const entries = kv.list(key);
          return entries.length ? { json: entries.map(kvView) } : { status: 404 };
        }
        const entry = kv.get(key);
        if (!entry) return { status: 404 };
        if (ctx.query.has('raw')) return { raw: entry.value };
        return { json: [kvView(entry)] };
      },
    );
  });
  add('PUT', '/v1/kv/:rest', async (ctx) => {
    const key = ctx.params[0] ?? '';
    if (key === '') throw badRequest('Missing key name');
    rejectConflicting(ctx, ['cas', 'acquire', 'release']);
    authorize(ctx, 'key', 'write', key);
    const cas = optionalUint(ctx.query, 'cas');
    const rawFlags = ctx.query.get('flags');
    if (rawFlags !== null && !/^\d+$/.test(rawFlags)) {
      throw badRequest(`Invalid flags: ${rawFlags}`);
    }
    const flags = rawFlags === null ? 0n : BigInt(rawFlags);
    const value = await ctx.body();
    const lockOp = ctx.query.has('acquire') ? 'acquire' : ctx.query.has('release') ? 'release' : '';
    if (lockOp !== '') {
      const session = ctx.query.get(lockOp) ?? '';
      // state/kvs.go kvsLockTxn: RPC errors, which the HTTP layer answers with 500.
      if (session === '') throw new ConsulDoubleError(500, 'missing session');
      if (!sessions.get(session)) {
        throw new ConsulDoubleError(500, `invalid session ${JSON.stringify(session)}`);
      }
      const options = { session, flags, now: Date.now() };
      return {
        json: lockOp === 'acquire' ? kv.lock(key, value, options) : kv.unlock(key, value, options),
      };
    }
    return {
      json: kv.put(key, value, { cas: cas === undefined ? undefined : Number(cas), flags }),
    };
  });
  add('DELETE', '/v1/kv/:rest', (ctx) => {
    const key = ctx.params[0] ?? '';
    rejectConflicting(ctx, ['recurse', 'cas']);
    const recurse = ctx.query.has('recurse');
    if (!recurse && key === '') throw badRequest('Missing key name');
    authorize(ctx, 'key', 'write', key);
    const cas = optionalUint(ctx.query, 'cas');
    return { json: kv.delete(key, { recurse, cas: cas === undefined ? undefined : Number(cas) }) };
  });
}

/** kvs_endpoint.go conflictingFlags: 400 "Conflicting flags: <the query, encoded and sorted>". */
function rejectConflicting(ctx: RouteContext, flags: string[]): void {
  if (flags.filter((name) => ctx.query.has(name)).length < 2) return;
  const sorted = new URLSearchParams(ctx.query);
  sorted.sort();
  throw badRequest(`Conflicting flags: ${sorted.toString()}\n`);
}

function kvView(entry: KvEntry): Record<string, unknown> {
  return {
    LockIndex: entry.lockIndex,
    Key: entry.key,
    Flags: Number(entry.flags),
    Value: entry.value.length ? entry.value.toString('base64') : null,
    ...(entry.session === undefined ? {} : { Session: entry.session }),
    CreateIndex: entry.createIndex,
    ModifyIndex: entry.modifyIndex,
  };
}
