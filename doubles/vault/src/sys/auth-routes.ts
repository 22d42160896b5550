import type { AuthMount } from '../auth/auth-table.js';
import { backend, type Backend } from '../core/backend.js';
import { VaultError } from '../core/types.js';
import type { VaultCore } from '../core/vault-core.js';
import { str } from '../http/body.js';

function authInfo(m: AuthMount): Record<string, unknown> {
  return {
    type: m.type,
    description: m.description,
    accessor: m.accessor,
    uuid: m.uuid,
    config: {
      default_lease_ttl: 0,
      max_lease_ttl: 0,
      force_no_cache: false,
      token_type: 'default-service',
    },
    options: null,
    local: false,
    seal_wrap: false,
    external_entropy_access: false,
    plugin_version: '',
    running_plugin_version: '',
    running_sha256: '',
  };
}

/** sys/auth: list, enable and disable auth methods (enable/disable need sudo, as in Vault). */
export function createAuthRoutes(core: VaultCore): Backend {
  return backend(
    (req) => {
      const path = req.path;
      if (path === '' && req.operation === 'read') {
        const data = Object.fromEntries(core.auth.list().map((m) => [m.path, authInfo(m)]));
        return Promise.resolve({ status: 200, data, topLevel: data });
      }
      if (path === '') throw new VaultError(405, 'unsupported operation');
      // Tuning is not implemented: not a mount named `<path>/tune`.
      if (/\/tune$/.test(path.replace(/\/+$/, ''))) throw new VaultError(404, 'unsupported path');
      if (req.operation === 'create' || req.operation === 'update') {
        const type = str(req.body, 'type');
        // logical_system.go handleMount / handleEnableAuth name the field this way.
        if (type === '') throw new VaultError(400, 'backend type must be specified as a string');
        core.auth.enable(path, type, str(req.body, 'description'));
        return Promise.resolve({ status: 204 });
      }
      if (req.operation === 'delete') {
        core.auth.disable(path);
        return Promise.resolve({ status: 204 });
      }
      if (req.operation === 'read') {
        const found = core.auth.list().find((m) => m.path === `${path.replace(/\/+$/, '')}/`);
        if (!found) throw new VaultError(400, `No auth engine at ${path}`);
        const data = authInfo(found);
        return Promise.resolve({ status: 200, data, topLevel: data });
      }
      throw new VaultError(405, 'unsupported operation');
    },
    { needsSudo: (path, op) => path !== '' && op !== 'read' },
  );
}
