import type { BackendRequest, BackendResponse } from '../core/backend.js';

type Reply = BackendResponse | Promise<BackendResponse>;

/** What an auth method stores under `config` and `role/<name>` (JWT, OIDC, AppRole). */
export interface ConfigRoleRoutes {
  /** Absent for a method without a config endpoint (AppRole). */
  config?: {
    write(body: Record<string, unknown>): Reply;
    read(): Reply;
    isSet(): boolean;
  };
  /** The roles by name, read on each request (a restore may replace the object). */
  roles(): Record<string, unknown>;
  writeRole(name: string, body: Record<string, unknown>): Reply;
  readRole(name: string): Reply;
}

const ROLE = /^role\/([^/]+)$/;

/**
 * `config` (write, read), `LIST role` and `role/<name>` (write, read, delete) as Vault's
 * credential plugins declare them (hashicorp/vault builtin/credential/approle/path_role.go,
 * hashicorp/vault-plugin-auth-jwt path_config.go and path_role.go, OIDC included): undefined
 * for any other path or operation, which the method routes itself or refuses.
 */
export function routeConfigAndRoles(
  req: BackendRequest,
  routes: ConfigRoleRoutes,
): Reply | undefined {
  const { operation: op, path } = req;
  const write = op === 'create' || op === 'update';
  if (path === 'config' && routes.config !== undefined) {
    if (write) return routes.config.write(req.body);
    if (op === 'read') return routes.config.read();
    return undefined;
  }
  if (path === 'role' && op === 'list') {
    return { status: 200, data: { keys: Object.keys(routes.roles()).sort() } };
  }
  const name = ROLE.exec(path)?.[1];
  if (name === undefined) return undefined;
  if (write) return routes.writeRole(name, req.body);
  if (op === 'read') return routes.readRole(name);
  if (op === 'delete') {
    delete routes.roles()[name];
    return { status: 204 };
  }
  return undefined;
}

/** The router's existence check (create vs update): a set config, a stored role. */
export function configOrRoleExists(path: string, routes: ConfigRoleRoutes): Promise<boolean> {
  if (path === 'config' && routes.config !== undefined) {
    return Promise.resolve(routes.config.isSet());
  }
  const name = ROLE.exec(path)?.[1];
  return Promise.resolve(name === undefined || name in routes.roles());
}
