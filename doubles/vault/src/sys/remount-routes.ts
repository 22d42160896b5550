import { backend, type Backend } from '../core/backend.js';
import { newUuid } from '../core/ids.js';
import { normalizeMountPath } from '../core/mount-path.js';
import { VaultError } from '../core/types.js';
import type { VaultCore } from '../core/vault-core.js';
import { str } from '../http/body.js';

interface Migration {
  source: string;
  target: string;
}

/**
 * sys/remount and sys/remount/status/:id (vault/logical_system.go handleRemount). Vault moves the
 * mount asynchronously and answers a migration id; the double moves it before answering, so the
 * status is "success" at once. `remount` is a root path: it needs sudo.
 */
export function createRemountRoutes(core: VaultCore): Backend {
  const migrations = new Map<string, Migration>();
  return backend(
    (req) => {
      if (req.path === '' && (req.operation === 'create' || req.operation === 'update')) {
        const from = str(req.body, 'from');
        const to = str(req.body, 'to');
        if (from === '' || to === '') {
          throw new VaultError(400, "both 'from' and 'to' path must be specified as a string");
        }
        if (from.startsWith('auth/') || to.startsWith('auth/')) {
          throw new VaultError(400, 'remounting auth methods is not implemented by vault-double');
        }
        core.mounts.remount(from, to);
        const id = newUuid();
        migrations.set(id, { source: normalizeMountPath(from), target: normalizeMountPath(to) });
        const data = { migration_id: id };
        return Promise.resolve({ status: 200, data, topLevel: data });
      }
      const status = /^status\/(.+)$/.exec(req.path);
      if (status?.[1] !== undefined && req.operation === 'read') {
        const migration = migrations.get(status[1]);
        if (!migration) throw new VaultError(400, 'Failed to find migration with the given ID');
        const data = {
          migration_id: status[1],
          migration_info: {
            source_mount: migration.source,
            target_mount: migration.target,
            status: 'success',
          },
        };
        return Promise.resolve({ status: 200, data, topLevel: data });
      }
      throw new VaultError(405, 'unsupported operation');
    },
    { needsSudo: (path) => path === '' },
  );
}
