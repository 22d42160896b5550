import { newUuid } from '../core/ids.js';
import { backend, type BackendRequest, type BackendResponse } from '../core/backend.js';
import {
  configOrRoleExists,
  routeConfigAndRoles,
  type ConfigRoleRoutes,
} from './config-role-routes.js';
import { VaultError } from '../core/types.js';
import { bool, duration, has, int, str } from '../http/body.js';
import type { AuthMethod, AuthMethodContext } from './auth-method.js';
import { issueLoginToken } from './login-tokens.js';
import { parseTokenParams, tokenParamsData, type TokenParams } from './token-params.js';
import { nameRecord } from '../core/own.js';

interface SecretId {
  accessor: string;
  /** Clock ms, or 0 when it never expires. */
  expiresAt: number;
  /** Remaining uses, 0 = unlimited. */
  usesLeft: number;
  metadata: Record<string, string>;
  createdAt: number;
}

interface AppRole {
  roleId: string;
  bindSecretId: boolean;
  secretIdTtl: number;
  secretIdNumUses: number;
  token: TokenParams;
  /** secret_id -> its record */
  secretIds: Record<string, SecretId>;
}

interface AppRoleState {
  roles: Record<string, AppRole>;
}

const INVALID = 'invalid role or secret ID';

export function createAppRoleAuth(ctx: AuthMethodContext): AuthMethod {
  const saved = ctx.saved as AppRoleState | undefined;
  // Role names and secret ids come from requests: records without a prototype, so a secret_id of
  // "constructor" is unknown rather than Object.prototype's (which would log in).
  const state: AppRoleState = {
    roles: nameRecord(
      Object.fromEntries(
        Object.entries(saved?.roles ?? {}).map(([name, r]) => [
          name,
          { ...r, secretIds: nameRecord(r.secretIds) },
        ]),
      ),
    ),
  };

  const role = (name: string): AppRole => {
    const found = state.roles[name];
    if (!found) throw new VaultError(400, `role "${name}" does not exist`);
    return found;
  };

  const writeRole = (name: string, body: Record<string, unknown>): BackendResponse => {
    const current = state.roles[name];
    state.roles[name] = {
      roleId: current?.roleId ?? newUuid(),
      bindSecretId: bool(body, 'bind_secret_id', current?.bindSecretId ?? true),
      secretIdTtl: duration(body, 'secret_id_ttl', current?.secretIdTtl ?? 0),
      secretIdNumUses: int(body, 'secret_id_num_uses', current?.secretIdNumUses ?? 0),
      token: parseTokenParams(body, current?.token),
      secretIds: current?.secretIds ?? nameRecord<SecretId>(),
    };
    return { status: 204 };
  };

  const readRole = (name: string): BackendResponse => {
    const r = state.roles[name];
    if (!r) throw new VaultError(404, '');
    return {
      status: 200,
      data: {
        bind_secret_id: r.bindSecretId,
        secret_id_ttl: r.secretIdTtl,
        secret_id_num_uses: r.secretIdNumUses,
        secret_id_bound_cidrs: null,
        local_secret_ids: false,
        ...tokenParamsData(r.token),
      },
    };
  };

  const newSecretId = (name: string, body: Record<string, unknown>): BackendResponse => {
    const r = role(name);
    const ttl = duration(body, 'ttl', r.secretIdTtl);
    const uses = int(body, 'num_uses', r.secretIdNumUses);
    const secretId = newUuid();
    const metadataText = str(body, 'metadata');
    let metadata: Record<string, string> = {};
    if (metadataText !== '') {
      try {
        metadata = JSON.parse(metadataText) as Record<string, string>;
      } catch {
        throw new VaultError(400, 'failed to parse metadata');
      }
    }
    const now = ctx.clock.now();
    const record: SecretId = {
      accessor: newUuid(),
      expiresAt: ttl > 0 ? now + ttl * 1000 : 0,
      usesLeft: uses,
      metadata,
      createdAt: now,
    };
    r.secretIds[secretId] = record;
    return {
      status: 200,
      data: {
        secret_id: secretId,
        secret_id_accessor: record.accessor,
        secret_id_ttl: ttl,
        secret_id_num_uses: uses,
      },
    };
  };

  const login = (req: BackendRequest): BackendResponse => {
    const roleId = str(req.body, 'role_id');
    if (roleId === '') throw new VaultError(400, 'missing role_id');
    const entry = Object.entries(state.roles).find(([, r]) => r.roleId === roleId);
    if (!entry) throw new VaultError(400, INVALID);
    const [name, r] = entry;
    let metadata: Record<string, string> = {};
    if (r.bindSecretId) {
      const secretId = str(req.body, 'secret_id');
      if (secretId === '') throw new VaultError(400, 'missing secret_id');
      const record = r.secretIds[secretId];
      if (!record) throw new VaultError(400, INVALID);
      if (record.expiresAt > 0 && record.expiresAt <= ctx.clock.now()) {
        delete r.secretIds[secretId];
        throw new VaultError(400, INVALID);
      }
      if (record.usesLeft > 0) {
        record.usesLeft -= 1;
        if (record.usesLeft === 0) delete r.secretIds[secretId];
      }
      metadata = record.metadata;
    }
    return issueLoginToken(ctx.tokens, ctx.identity, {
      mountPath: ctx.mountPath,
      mountAccessor: ctx.accessor,
      loginPath: `${ctx.mountPath}login`,
      params: r.token,
      aliasName: roleId,
      aliasMetadata: { role_name: name },
      tokenMetadata: { ...metadata, role_name: name },
    });
  };

  const routes: ConfigRoleRoutes = { roles: () => state.roles, writeRole, readRole };

  const handle = (req: BackendRequest): Promise<BackendResponse> => {
    const { operation: op, path } = req;
    const write = op === 'create' || op === 'update';
    const result = ((): BackendResponse | Promise<BackendResponse> => {
      if (path === 'login' && write) return login(req);
      const routed = routeConfigAndRoles(req, routes);
      if (routed !== undefined) return routed;
      const m = /^role\/([^/]+)\/(role-id|secret-id|secret-id\/destroy)$/.exec(path);
      if (!m?.[1]) throw new VaultError(405, 'unsupported operation');
      const name = m[1];
      // The pattern above allows exactly these three.
      const action = m[2] as 'role-id' | 'secret-id' | 'secret-id/destroy';
      switch (action) {
        case 'role-id':
          if (op === 'read') return { status: 200, data: { role_id: role(name).roleId } };
          if (write && has(req.body, 'role_id')) {
            role(name).roleId = str(req.body, 'role_id');
            return { status: 204 };
          }
          break;
        case 'secret-id':
          if (write) return newSecretId(name, req.body);
          if (op === 'list') {
            const accessors = Object.values(role(name).secretIds).map((s) => s.accessor);
            return { status: 200, data: { keys: accessors } };
          }
          break;
        case 'secret-id/destroy':
          if (write || op === 'delete') {
            delete role(name).secretIds[str(req.body, 'secret_id')];
            return { status: 204 };
          }
          break;
      }
      throw new VaultError(405, 'unsupported operation');
    })();
    return Promise.resolve(result);
  };

  return {
    ...backend(handle, {
      exists: (path) => configOrRoleExists(path, routes),
      isUnauthenticated: (path) => path === 'login',
    }),
    snapshot: () => state,
  };
}
