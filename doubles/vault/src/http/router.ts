import { backend, type Backend } from '../core/backend.js';
import type { Mount } from '../core/mount-table.js';
import { VaultError, type RouteModule, type SecretEngine, type TokenEntry } from '../core/types.js';
import type { VaultCore } from '../core/vault-core.js';
import { createAuditHashRoutes, createAuditRoutes } from '../sys/audit-routes.js';
import { createAuthRoutes } from '../sys/auth-routes.js';
import { createCapabilitiesRoutes } from '../sys/capabilities-routes.js';
import { createHealthRoutes } from '../sys/health-routes.js';
import { createMountsRoutes } from '../sys/mounts-routes.js';
import { createPolicyRoutes } from '../sys/policy-routes.js';
import { createRemountRoutes } from '../sys/remount-routes.js';
import { createServerStatusRoutes } from '../sys/server-status-routes.js';

export interface ResolvedRoute {
  backend: Backend;
  /** The path handed to the backend (inside the mount or route family). */
  path: string;
  /** `mount_type` for the envelope and the audit log. */
  mountType: string;
  mount: { point: string; type: string; accessor: string } | undefined;
}

/**
 * sys endpoints Vault serves with their own HTTP handlers (http/handler.go), outside the logical
 * router: no `?help`, no envelope.
 */
const RAW_HANDLER_PATHS = new Set(['sys/health', 'sys/seal-status', 'sys/init', 'sys/leader']);

export function isRawHandlerPath(fullPath: string): boolean {
  return RAW_HANDLER_PATHS.has(fullPath);
}

/** Paths that need `sudo` whoever serves them (Vault's root-protected paths). */
const ROOT_PATH_PREFIXES = [
  'sys/leases/revoke-prefix/',
  'sys/leases/revoke-force/',
  'sys/revoke-prefix/',
  'sys/revoke-force/',
];

export function needsRootPathSudo(fullPath: string): boolean {
  return ROOT_PATH_PREFIXES.some((p) => `${fullPath}/`.startsWith(p));
}

const ANONYMOUS: TokenEntry = {
  id: '',
  accessor: '',
  policies: [],
  displayName: 'anonymous',
  meta: {},
  entityAliasMetadata: {},
  expiresAt: undefined,
};

function engineBackend(mount: Mount, engine: SecretEngine): Backend {
  return {
    exists: (path) => engine.exists(path),
    isUnauthenticated: (path, op) => engine.isUnauthenticated?.(path, op) ?? false,
    needsSudo: () => false,
    handle: (req) =>
      engine.handle({
        operation: req.operation,
        mountPath: mount.path,
        path: req.path,
        body: req.body,
        query: req.query,
        token: req.token ?? ANONYMOUS,
      }),
  };
}

function routeModuleBackend(module: RouteModule): Backend {
  return backend(
    (req) => {
      if (!req.token) throw new VaultError(403, 'permission denied');
      return module.handle({
        operation: req.operation,
        path: req.fullPath,
        body: req.body,
        query: req.query,
        token: req.token,
      });
    },
    { needsSudo: (fullPath, op) => module.needsSudo?.(fullPath, op) ?? false },
  );
}

/** Maps a path after /v1/ to the backend serving it: sys routes, auth mounts, then secret mounts. */
export function createRouter(core: VaultCore): (fullPath: string) => ResolvedRoute | undefined {
  const modules: [string, Backend][] = [];
  for (const module of core.routeModules) {
    const b = routeModuleBackend(module);
    for (const prefix of module.prefixes) modules.push([prefix, b]);
  }
  modules.sort((a, b) => b[0].length - a[0].length);

  const sys: [string, Backend][] = [
    ['sys/health', createHealthRoutes(core)],
    ['sys/seal-status', createHealthRoutes(core)],
    ['sys/mounts', createMountsRoutes(core)],
    ['sys/auth', createAuthRoutes(core)],
    ['sys/policies/acl', createPolicyRoutes(core, false)],
    ['sys/policy', createPolicyRoutes(core, true)],
    ['sys/audit', createAuditRoutes(core)],
    ['sys/audit-hash', createAuditHashRoutes(core)],
    ['sys/capabilities-self', createCapabilitiesRoutes(core, true)],
    ['sys/capabilities', createCapabilitiesRoutes(core, false)],
    ['sys/remount', createRemountRoutes(core)],
    ['sys/init', createServerStatusRoutes()],
    ['sys/leader', createServerStatusRoutes()],
  ];
  sys.sort((a, b) => b[0].length - a[0].length);
  const sysMount = { point: 'sys/', type: 'system', accessor: 'system' };

  return (fullPath) => {
    for (const [prefix, b] of modules) {
      if (fullPath.startsWith(prefix) || fullPath === prefix.replace(/\/+$/, '')) {
        return { backend: b, path: fullPath, mountType: 'system', mount: sysMount };
      }
    }
    if (fullPath === 'sys' || fullPath.startsWith('sys/')) {
      for (const [prefix, b] of sys) {
        if (fullPath === prefix || fullPath.startsWith(`${prefix}/`)) {
          return {
            backend: b,
            path: fullPath.slice(prefix.length + 1),
            mountType: 'system',
            mount: sysMount,
          };
        }
      }
      return undefined;
    }
    if (fullPath.startsWith('auth/')) {
      const found = core.auth.resolve(fullPath);
      if (!found) return undefined;
      const { mount, rest } = found;
      return {
        backend: mount.backend,
        path: rest,
        mountType: mount.type,
        mount: { point: `auth/${mount.path}`, type: mount.type, accessor: mount.accessor },
      };
    }
    const found = core.mounts.resolve(fullPath);
    if (!found) return undefined;
    const { mount, rest } = found;
    return {
      backend: engineBackend(mount, mount.engine),
      path: rest,
      mountType: mount.type,
      mount: { point: mount.path, type: mount.type, accessor: mount.accessor },
    };
  };
}
