import type { Backend } from '../core/backend.js';
import { newUuid, randomBase62 } from '../core/ids.js';
import { normalizeMountPath } from '../core/mount-path.js';
import { ownEntry } from '../core/own.js';
import { VaultError, type Clock } from '../core/types.js';
import { createAppRoleAuth } from './approle-auth.js';
import type { AuthMethod, AuthMethodFactory } from './auth-method.js';
import type { IdentityGroups } from './identity-groups.js';
import type { IdentityStore } from './identity-store.js';
import { createJwtAuth } from './jwt-auth.js';
import { createLdapAuth } from './ldap-auth.js';
import { createOidcAuth } from './oidc-auth.js';
import type { TokenStore } from './token-store.js';

const AUTH_METHODS: Record<string, AuthMethodFactory> = {
  jwt: createJwtAuth,
  approle: createAppRoleAuth,
  ldap: createLdapAuth,
  oidc: createOidcAuth,
};

export interface AuthMount {
  /** Relative to auth/, with a trailing slash: "jwt/". */
  path: string;
  type: string;
  description: string;
  accessor: string;
  uuid: string;
  backend: Backend;
  method: AuthMethod | undefined;
}

export interface SavedAuthMount {
  path: string;
  type: string;
  description: string;
  accessor: string;
  uuid: string;
  state: unknown;
}

export interface AuthTable {
  enable(path: string, type: string, description: string): AuthMount;
  disable(path: string): void;
  /** The mount serving `auth/<...>`, with the path inside it. */
  resolve(fullPath: string): { mount: AuthMount; rest: string } | undefined;
  list(): AuthMount[];
  snapshot(): SavedAuthMount[];
}

export interface AuthTableDeps {
  clock: Clock;
  tokens: TokenStore;
  identity: IdentityStore;
  groups: IdentityGroups;
  tokenBackend: Backend;
}

export function createAuthTable(deps: AuthTableDeps, saved: SavedAuthMount[] = []): AuthTable {
  const mounts = new Map<string, AuthMount>();
  mounts.set('token/', {
    path: 'token/',
    type: 'token',
    description: 'token based credentials',
    accessor: `auth_token_${randomBase62(8).toLowerCase()}`,
    uuid: newUuid(),
    backend: deps.tokenBackend,
    method: undefined,
  });

  const add = (
    path: string,
    type: string,
    description: string,
    accessor: string,
    uuid: string,
    state: unknown,
  ): AuthMount => {
    const factory = ownEntry(AUTH_METHODS, type);
    if (!factory) throw new VaultError(400, `plugin not found in the catalog: ${type}`);
    const method = factory({
      mountPath: `auth/${path}`,
      accessor,
      clock: deps.clock,
      tokens: deps.tokens,
      identity: deps.identity,
      groups: deps.groups,
      saved: state,
    });
    const mount: AuthMount = { path, type, description, accessor, uuid, backend: method, method };
    mounts.set(path, mount);
    return mount;
  };

  for (const m of saved) add(m.path, m.type, m.description, m.accessor, m.uuid, m.state);

  return {
    enable(rawPath, type, description) {
      const path = normalizeMountPath(rawPath);
      if (path === '/' || path.startsWith('token/')) {
        throw new VaultError(400, 'token credential backend cannot be instantiated');
      }
      for (const existing of mounts.keys()) {
        if (existing.startsWith(path) || path.startsWith(existing)) {
          throw new VaultError(400, `path is already in use at ${existing}`);
        }
      }
      const accessor = `auth_${type}_${randomBase62(8).toLowerCase()}`;
      return add(path, type, description, accessor, newUuid(), undefined);
    },
    disable(rawPath) {
      const path = normalizeMountPath(rawPath);
      if (path === 'token/') {
        throw new VaultError(400, 'token credential backend cannot be disabled');
      }
      const mount = mounts.get(path);
      if (!mount) return;
      mounts.delete(path);
      const prefix = `auth/${path}`;
      for (const token of deps.tokens.snapshot()) {
        if (token.path.startsWith(prefix)) deps.tokens.revoke(token);
      }
    },
    resolve(fullPath) {
      const inner = fullPath.replace(/^auth\//, '');
      let best: AuthMount | undefined;
      for (const mount of mounts.values()) {
        const matches = inner.startsWith(mount.path) || `${inner}/` === mount.path;
        if (matches && (!best || mount.path.length > best.path.length)) best = mount;
      }
      if (!best) return undefined;
      return { mount: best, rest: inner.slice(best.path.length) };
    },
    list: () => [...mounts.values()],
    snapshot: () =>
      [...mounts.values()]
        .filter((m) => m.method !== undefined)
        .map((m) => ({
          path: m.path,
          type: m.type,
          description: m.description,
          accessor: m.accessor,
          uuid: m.uuid,
          state: m.method?.snapshot(),
        })),
  };
}
