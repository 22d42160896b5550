import { backend, type Backend, type BackendRequest } from '../core/backend.js';
import { VaultError } from '../core/types.js';
import type { VaultCore } from '../core/vault-core.js';
import { has, str, strList } from '../http/body.js';

const ORDER = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'];

/** sys/capabilities-self and sys/capabilities: what a token may do on paths. */
export function createCapabilitiesRoutes(core: VaultCore, self: boolean): Backend {
  return backend(async (req: BackendRequest) => {
    if (req.operation !== 'create' && req.operation !== 'update') {
      throw new VaultError(405, 'unsupported operation');
    }
    const token = self ? req.token : core.tokens.lookup(str(req.body, 'token'));
    if (!token) throw new VaultError(400, 'invalid token');
    const paths = has(req.body, 'paths') ? strList(req.body, 'paths') : [str(req.body, 'path')];
    const isRoot = token.policies.includes('root');
    const acl = await core.aclFor(token);
    const data: Record<string, string[]> = {};
    for (const path of paths) {
      const caps = [...acl.capabilities(path.replace(/^\/+/, ''))].sort(
        (a, b) => ORDER.indexOf(a) - ORDER.indexOf(b),
      );
      data[path] = isRoot ? ['root'] : caps.length > 0 ? caps : ['deny'];
    }
    if (paths.length === 1 && paths[0] !== undefined) {
      data['capabilities'] = data[paths[0]] ?? ['deny'];
    }
    return { status: 200, data, topLevel: data };
  });
}
