import { badRequest } from '../errors.js';
import type { KvEntry } from '../kv-store.js';
import { type RouteKit, optionalUint } from './route-kit.js';

/** /v1/kv/*: the key/value store. */
export function registerKvRoutes({ add, authorize, blocking, state }: RouteKit): void {
  const { kv } = state;

  add('GET', '/v1/kv/:rest', (ctx) => {
    const key = decodeKey(ctx.params[0]);
    const keysOnly = ctx.query.has('keys');
    const recurse = keysOnly || ctx.query.has('recurse');
    authorize(ctx, 'key', 'read', key);
    return blocking(
      ctx,
      () => kv.indexFor(key, recurse),
      () => {
        if (keysOnly) {
          const keys = kv.keys(key, ctx.query.get('separator') ?? undefined);
          return keys.length ? { json: keys } : { status: 404 };
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
    const key = decodeKey(ctx.params[0]);
    authorize(ctx, 'key', 'write', key);
    if (ctx.query.has('acquire') || ctx.query.has('release')) {
      throw badRequest('sessions (acquire/release) are not implemented by consul-double');
    }
    const cas = optionalUint(ctx.query, 'cas');
    const flags = ctx.query.get('flags');
    if (flags !== null && !/^\d+$/.test(flags)) throw badRequest(`Invalid flags: ${flags}`);
    const value = await ctx.body();
    return {
      json: kv.put(key, value, {
        cas: cas === undefined ? undefined : Number(cas),
        flags: flags === null ? 0n : BigInt(flags),
      }),
    };
  });
  add('DELETE', '/v1/kv/:rest', (ctx) => {
    const key = decodeKey(ctx.params[0]);
    authorize(ctx, 'key', 'write', key);
    const cas = optionalUint(ctx.query, 'cas');
    return {
      json: kv.delete(key, {
        recurse: ctx.query.has('recurse'),
        cas: cas === undefined ? undefined : Number(cas),
      }),
    };
  });
}

function kvView(entry: KvEntry): Record<string, unknown> {
  return {
    LockIndex: entry.lockIndex,
    Key: entry.key,
    Flags: Number(entry.flags),
    Value: entry.value.length ? entry.value.toString('base64') : null,
    CreateIndex: entry.createIndex,
    ModifyIndex: entry.modifyIndex,
  };
}

function decodeKey(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? '');
  } catch {
    throw badRequest('Invalid key encoding');
  }
}
