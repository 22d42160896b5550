import { backend, type Backend } from '../core/backend.js';
import { VAULT_VERSION, type VaultCore } from '../core/vault-core.js';

/**
 * sys/health and sys/seal-status. The double is always initialized, unsealed and active, so
 * `activecode` is the only override that changes the status; the others are accepted.
 */
export function createHealthRoutes(core: VaultCore): Backend {
  const healthBody = (): Record<string, unknown> => ({
    initialized: true,
    sealed: false,
    standby: false,
    performance_standby: false,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: Math.floor(core.clock.now() / 1000),
    version: VAULT_VERSION,
    enterprise: false,
    cluster_name: 'vault-double',
    cluster_id: core.clusterId,
    echo_duration_ms: 0,
    clock_skew_ms: 0,
  });

  return backend(
    (req) => {
      if (req.fullPath === 'sys/seal-status') {
        return Promise.resolve({
          status: 200,
          raw: {
            contentType: 'application/json',
            body: JSON.stringify({
              type: 'shamir',
              initialized: true,
              sealed: false,
              t: 1,
              n: 1,
              progress: 0,
              nonce: '',
              version: VAULT_VERSION,
              migration: false,
              cluster_name: 'vault-double',
              cluster_id: core.clusterId,
              recovery_seal: false,
              storage_type: 'inmem',
            }),
          },
        });
      }
      const code = Number.parseInt(req.query.get('activecode') ?? '200', 10);
      return Promise.resolve({
        status: Number.isInteger(code) && code >= 200 && code < 600 ? code : 200,
        raw: { contentType: 'application/json', body: JSON.stringify(healthBody()) },
      });
    },
    { isUnauthenticated: () => true },
  );
}
