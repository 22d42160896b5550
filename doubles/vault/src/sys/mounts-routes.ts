import { backend, type Backend } from '../core/backend.js';
import type { Mount } from '../core/mount-table.js';
import { VaultError } from '../core/types.js';
import type { VaultCore } from '../core/vault-core.js';
import { obj, str } from '../http/body.js';

function mountInfo(
  m: Pick<Mount, 'type' | 'description' | 'accessor' | 'uuid' | 'options' | 'config'>,
): Record<string, unknown> {
  return {
    type: m.type,
    description: m.description,
    accessor: m.accessor,
    uuid: m.uuid,
    config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, ...m.config },
    options: Object.keys(m.options).length > 0 ? m.options : null,
    local: false,
    seal_wrap: false,
    external_entropy_access: false,
    plugin_version: '',
    running_plugin_version: '',
    running_sha256: '',
  };
}

/** sys/mounts: list, enable and disable secret engines. */
export function createMountsRoutes(core: VaultCore): Backend {
  const list = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const m of core.mounts.list()) out[m.path] = mountInfo(m);
    out['sys/'] = mountInfo({
      type: 'system',
      description: 'system endpoints used for control, policy and debugging',
      accessor: 'system_vaultdbl',
      uuid: core.clusterId,
      options: {},
      config: {},
    });
    return out;
  };

  return backend(async (req) => {
    const path = req.path;
    if (path === '' && req.operation === 'read') {
      const data = list();
      return { status: 200, data, topLevel: data };
    }
    if (path === '') throw new VaultError(405, 'unsupported operation');
    // Tuning is not implemented: not a mount named `<path>/tune`.
    if (/\/tune$/.test(path.replace(/\/+$/, ''))) throw new VaultError(404, 'unsupported path');
    if (req.operation === 'create' || req.operation === 'update') {
      const type = str(req.body, 'type');
      // logical_system.go handleMount / handleEnableAuth name the field this way.
      if (type === '') throw new VaultError(400, 'backend type must be specified as a string');
      const options = Object.fromEntries(
        Object.entries(obj(req.body, 'options')).map(([k, v]) => [k, String(v)]),
      );
      core.mounts.mount(path, type, str(req.body, 'description'), options, obj(req.body, 'config'));
      return { status: 204 };
    }
    if (req.operation === 'delete') {
      await core.mounts.unmount(path);
      return { status: 204 };
    }
    if (req.operation === 'read') {
      const found = core.mounts.list().find((m) => m.path === `${path.replace(/\/+$/, '')}/`);
      if (!found) throw new VaultError(400, `No secret engine mount at ${path}/`);
      const data = mountInfo(found);
      return { status: 200, data, topLevel: data };
    }
    throw new VaultError(405, 'unsupported operation');
  });
}
