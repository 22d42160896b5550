import {
  backend,
  type Backend,
  type BackendRequest,
  type BackendResponse,
} from '../core/backend.js';
import { VaultError } from '../core/types.js';
import type { VaultCore } from '../core/vault-core.js';
import { str } from '../http/body.js';

/** sys/policies/acl (modern) and sys/policy (legacy, used by node-vault). */
export function createPolicyRoutes(core: VaultCore, legacy: boolean): Backend {
  const handle = async (req: BackendRequest): Promise<BackendResponse> => {
    const { operation: op, path: name } = req;
    if (name === '' && (op === 'list' || (legacy && op === 'read'))) {
      const names = core.policies.names();
      const data = legacy ? { policies: names, keys: names } : { keys: names, policies: names };
      return { status: 200, data, topLevel: data };
    }
    if (name === '') throw new VaultError(405, 'unsupported operation');
    if (op === 'read') {
      if (name === 'root') {
        const data = legacy ? { name: 'root', rules: '' } : { name: 'root', policy: '' };
        return { status: 200, data, topLevel: data };
      }
      const policy = core.policies.get(name);
      if (!policy) throw new VaultError(404, '');
      const data = legacy
        ? { name: policy.name, rules: policy.text }
        : { name: policy.name, policy: policy.text };
      return { status: 200, data, topLevel: data };
    }
    if (op === 'create' || op === 'update') {
      const text = str(req.body, 'policy', str(req.body, 'rules'));
      if (text === '') throw new VaultError(400, "'policy' parameter not supplied or empty");
      await core.policies.put(name, text);
      return { status: 204 };
    }
    if (op === 'delete') {
      core.policies.delete(name);
      return { status: 204 };
    }
    throw new VaultError(405, 'unsupported operation');
  };
  return backend(handle, {
    exists: (name) => Promise.resolve(name === '' || core.policies.get(name) !== undefined),
  });
}
