import { parseDuration } from '../../core/ttl.js';
import { VaultError, type EngineContext, type PersistentEngine } from '../../core/types.js';
import { listChildren } from './kv-store.js';

interface KvV1State {
  entries: Record<string, Record<string, unknown>>;
}

/** KV version 1: flat secrets, no versions. A `ttl` key is advisory, as in Vault. */
export function createKvV1Engine(ctx: EngineContext): PersistentEngine {
  const state: KvV1State = (ctx.saved as KvV1State | undefined) ?? { entries: {} };
  return {
    type: 'kv',
    exists: (path) => Promise.resolve(path in state.entries),
    handle(req) {
      const path = req.path;
      switch (req.operation) {
        case 'read': {
          const entry = state.entries[path];
          if (!entry) throw new VaultError(404, '');
          const ttl = entry['ttl'];
          const seconds = ttl === undefined ? 0 : parseDuration(ttl);
          return Promise.resolve({
            status: 200,
            data: entry,
            ...(seconds > 0 ? { advisoryLeaseSeconds: seconds } : {}),
          });
        }
        case 'create':
        case 'update':
          if (path === '') throw new VaultError(400, 'missing path');
          if (Object.keys(req.body).length === 0) throw new VaultError(400, 'missing data fields');
          state.entries[path] = { ...req.body };
          return Promise.resolve({ status: 204 });
        case 'delete':
          delete state.entries[path];
          return Promise.resolve({ status: 204 });
        case 'list':
          return Promise.resolve({
            status: 200,
            data: { keys: listChildren(Object.keys(state.entries), path) },
          });
        default:
          throw new VaultError(405, 'unsupported operation');
      }
    },
    close: () => Promise.resolve(),
    snapshot: () => state,
  };
}
