import { backend, type Backend } from '../core/backend.js';
import { VaultError } from '../core/types.js';

const json = (body: unknown) => ({ contentType: 'application/json', body: JSON.stringify(body) });

/**
 * sys/init and sys/leader, served without a token and outside the logical router as Vault serves
 * them (http/sys_init.go, http/sys_leader.go): an initialized, single-node, non-HA server.
 */
export function createServerStatusRoutes(): Backend {
  return backend(
    (req) => {
      if (req.fullPath === 'sys/init') {
        if (req.operation === 'read') {
          return Promise.resolve({ status: 200, raw: json({ initialized: true }) });
        }
        if (req.operation === 'create' || req.operation === 'update') {
          throw new VaultError(400, 'Vault is already initialized');
        }
        throw new VaultError(405, '');
      }
      if (req.operation !== 'read') throw new VaultError(405, '');
      // vault.LeaderResponse of a server without an HA backend (the dev server's inmem storage).
      return Promise.resolve({
        status: 200,
        raw: json({
          ha_enabled: false,
          is_self: false,
          active_time: '0001-01-01T00:00:00Z',
          leader_address: '',
          leader_cluster_address: '',
          performance_standby: false,
          performance_standby_last_remote_wal: 0,
        }),
      });
    },
    { isUnauthenticated: () => true },
  );
}
