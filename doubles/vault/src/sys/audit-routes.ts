import { backend, type Backend } from '../core/backend.js';
import { VaultError } from '../core/types.js';
import type { VaultCore } from '../core/vault-core.js';
import { obj, str } from '../http/body.js';

/** sys/audit (sudo, as in Vault) and sys/audit-hash. */
export function createAuditRoutes(core: VaultCore): Backend {
  return backend(
    (req) => {
      const path = req.path;
      if (path === '' && req.operation === 'read') {
        const data = Object.fromEntries(
          core.audit.list().map((d) => [
            d.path,
            {
              type: d.type,
              description: d.description,
              options: d.options,
              path: d.path,
              local: false,
            },
          ]),
        );
        return Promise.resolve({ status: 200, data, topLevel: data });
      }
      if (path === '') throw new VaultError(405, 'unsupported operation');
      if (req.operation === 'create' || req.operation === 'update') {
        const options = Object.fromEntries(
          Object.entries(obj(req.body, 'options')).map(([k, v]) => [k, String(v)]),
        );
        core.audit.enable(path, str(req.body, 'type'), str(req.body, 'description'), options);
        return Promise.resolve({ status: 204 });
      }
      if (req.operation === 'delete') {
        core.audit.disable(path);
        return Promise.resolve({ status: 204 });
      }
      throw new VaultError(405, 'unsupported operation');
    },
    { needsSudo: () => true },
  );
}

export function createAuditHashRoutes(core: VaultCore): Backend {
  return backend((req) => {
    if (req.operation !== 'create' && req.operation !== 'update') {
      throw new VaultError(405, 'unsupported operation');
    }
    const data = { hash: core.audit.hash(req.path, str(req.body, 'input')) };
    return Promise.resolve({ status: 200, data, topLevel: data });
  });
}
