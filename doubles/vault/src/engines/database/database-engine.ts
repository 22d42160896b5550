import { resolveLeaseTtls } from '../../core/leases.js';
import { ownEntry } from '../../core/own.js';
import { parseDuration } from '../../core/ttl.js';
import type {
  EngineContext,
  EngineRequest,
  EngineResponse,
  SecretEngine,
} from '../../core/types.js';
import { VaultError } from '../../core/types.js';
import { generatePassword } from './credentials.js';
import type { DatabasePlugin, PluginFactory } from './plugin.js';
import { boolField } from './plugin.js';
import { createPostgresPlugin } from './postgres-plugin.js';
import { createRedisPlugin } from './redis-plugin.js';
import { parseStatements } from './statements.js';

const PLUGINS: Record<string, PluginFactory> = {
  'postgresql-database-plugin': createPostgresPlugin,
  'redis-database-plugin': createRedisPlugin,
};

/** Body keys of config/:name that are not connection details. */
const GENERIC_CONFIG_KEYS = new Set([
  'name',
  'plugin_name',
  'plugin_version',
  'verify_connection',
  'allowed_roles',
  'root_rotation_statements',
  'password_policy',
]);

/** Connection details Vault never returns on read. */
const SECRET_DETAIL_KEYS = new Set(['password', 'private_key']);

interface ConnectionConfig {
  pluginName: string;
  verifyConnection: boolean;
  allowedRoles: string[];
  rootRotationStatements: string[];
  passwordPolicy: string;
  details: Record<string, unknown>;
}

interface Connection {
  config: ConnectionConfig;
  plugin: DatabasePlugin;
}

interface RoleEntry {
  dbName: string;
  creationStatements: string[];
  revocationStatements: string[];
  rollbackStatements: string[];
  renewStatements: string[];
  defaultTtl: number;
  maxTtl: number;
}

function parseList(value: unknown, field: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) {
    return value.map((v) => {
      if (typeof v !== 'string') throw new VaultError(400, `${field} must be a list of strings`);
      return v.trim();
    });
  }
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  throw new VaultError(400, `${field} must be a list of strings`);
}

/** strutil.StrListContainsGlob: entries may hold `*` wildcards. */
function roleAllowed(allowed: string[], role: string): boolean {
  return allowed.some((pattern) => {
    if (pattern === '*') return true;
    const re = new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    return re.test(role);
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Vault answers plugin failures with 500 and the error text. */
function pluginFailure(error: unknown, prefix = ''): VaultError {
  if (error instanceof VaultError) return error;
  return new VaultError(500, `${prefix}${errorMessage(error)}`);
}

function listResponse(keys: string[]): EngineResponse {
  return keys.length === 0 ? { status: 404 } : { status: 200, data: { keys: keys.sort() } };
}

/**
 * The database secrets engine: connection configs, roles, and dynamic credentials backed by a
 * lease whose renew and revoke hooks run the role's statements against the real database.
 */
export function createDatabaseEngine(ctx: EngineContext): SecretEngine {
  const connections = new Map<string, Connection>();
  const roles = new Map<string, RoleEntry>();

  const closeConnection = async (name: string) => {
    const existing = connections.get(name);
    connections.delete(name);
    if (existing) await existing.plugin.close();
  };

  const writeConfig = async (name: string, body: Record<string, unknown>) => {
    const previous = connections.get(name)?.config;
    const pluginName =
      typeof body.plugin_name === 'string' ? body.plugin_name : (previous?.pluginName ?? '');
    if (pluginName === '') throw new VaultError(400, 'empty plugin name');
    const factory = ownEntry(PLUGINS, pluginName);
    if (!factory) {
      throw new VaultError(400, `error creating database object: unknown plugin "${pluginName}"`);
    }
    const details: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) {
      if (!GENERIC_CONFIG_KEYS.has(key)) details[key] = value;
    }
    // allowed-roles is a typo in the Redis doc sample that Vault tolerates as an unknown key.
    const config: ConnectionConfig = {
      pluginName,
      verifyConnection: boolField(body, 'verify_connection', true),
      allowedRoles:
        'allowed_roles' in body
          ? parseList(body.allowed_roles, 'allowed_roles')
          : (previous?.allowedRoles ?? []),
      rootRotationStatements:
        'root_rotation_statements' in body
          ? parseStatements(body.root_rotation_statements, 'root_rotation_statements')
          : (previous?.rootRotationStatements ?? []),
      passwordPolicy:
        typeof body.password_policy === 'string'
          ? body.password_policy
          : (previous?.passwordPolicy ?? ''),
      details: Object.keys(details).length > 0 ? details : (previous?.details ?? {}),
    };
    const plugin = factory(config.details);
    if (config.verifyConnection) {
      try {
        await plugin.verify();
      } catch (error) {
        await plugin.close().catch(() => undefined);
        throw new VaultError(
          400,
          `error creating database object: error verifying connection: ${errorMessage(error)}`,
        );
      }
    }
    await closeConnection(name);
    connections.set(name, { config, plugin });
  };

  const readConfig = (name: string): EngineResponse => {
    const conn = connections.get(name);
    if (!conn) return { status: 404 };
    const details: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(conn.config.details)) {
      if (!SECRET_DETAIL_KEYS.has(key)) details[key] = value;
    }
    return {
      status: 200,
      data: {
        plugin_name: conn.config.pluginName,
        plugin_version: '',
        connection_details: details,
        allowed_roles: conn.config.allowedRoles,
        root_credentials_rotate_statements: conn.config.rootRotationStatements,
        password_policy: conn.config.passwordPolicy,
        verify_connection: conn.config.verifyConnection,
      },
    };
  };

  const writeRole = (name: string, body: Record<string, unknown>, create: boolean) => {
    const prev = roles.get(name);
    const pick = <T>(key: string, parse: (v: unknown) => T, fallback: T): T =>
      key in body ? parse(body[key]) : prev && !create ? fallback : parse(undefined);
    const role: RoleEntry = {
      dbName: pick('db_name', (v) => (typeof v === 'string' ? v : ''), prev?.dbName ?? ''),
      creationStatements: pick(
        'creation_statements',
        (v) => parseStatements(v, 'creation_statements'),
        prev?.creationStatements ?? [],
      ),
      revocationStatements: pick(
        'revocation_statements',
        (v) => parseStatements(v, 'revocation_statements').filter((s) => s.trim() !== ''),
        prev?.revocationStatements ?? [],
      ),
      rollbackStatements: pick(
        'rollback_statements',
        (v) => parseStatements(v, 'rollback_statements'),
        prev?.rollbackStatements ?? [],
      ),
      renewStatements: pick(
        'renew_statements',
        (v) => parseStatements(v, 'renew_statements'),
        prev?.renewStatements ?? [],
      ),
      defaultTtl: pick(
        'default_ttl',
        (v) => parseDuration(v, 0, 'default_ttl'),
        prev?.defaultTtl ?? 0,
      ),
      maxTtl: pick('max_ttl', (v) => parseDuration(v, 0, 'max_ttl'), prev?.maxTtl ?? 0),
    };
    if (role.dbName === '') throw new VaultError(400, 'empty database name attribute');
    if (role.maxTtl > 0 && role.defaultTtl > role.maxTtl) {
      throw new VaultError(400, 'ttl cannot be greater than max_ttl');
    }
    roles.set(name, role);
  };

  const readRole = (name: string): EngineResponse => {
    const role = roles.get(name);
    if (!role) return { status: 404 };
    return {
      status: 200,
      data: {
        db_name: role.dbName,
        creation_statements: role.creationStatements,
        revocation_statements: role.revocationStatements,
        rollback_statements: role.rollbackStatements,
        renew_statements: role.renewStatements,
        default_ttl: role.defaultTtl,
        max_ttl: role.maxTtl,
        credential_type: 'password',
      },
    };
  };

  const issueCreds = async (req: EngineRequest, roleName: string): Promise<EngineResponse> => {
    const role = roles.get(roleName);
    if (!role) throw new VaultError(400, `unknown role: ${roleName}`);
    const conn = connections.get(role.dbName);
    if (!conn) {
      throw new VaultError(500, `failed to find entry for connection with name: ${role.dbName}`);
    }
    if (!roleAllowed(conn.config.allowedRoles, roleName)) {
      throw new VaultError(500, `"${roleName}" is not an allowed role`);
    }
    const ttls = resolveLeaseTtls(role.defaultTtl, role.maxTtl, ctx.options);
    const nowMs = ctx.clock.now();
    // Vault adds 5 s so the database credential outlives the lease.
    const expiration = new Date(nowMs + (ttls.ttlSeconds + 5) * 1000);
    const password = generatePassword();
    const { plugin } = conn;
    let username: string;
    try {
      username = await plugin.newUser({
        displayName: req.token.displayName || 'token',
        roleName,
        password,
        expiration,
        statements: role.creationStatements,
        nowMs,
      });
    } catch (error) {
      throw pluginFailure(error);
    }
    const revocationStatements = [...role.revocationStatements];
    const renewStatements = [...role.renewStatements];
    const lease = ctx.leases.issue({
      pathPrefix: `${ctx.mountPath}creds/${roleName}`,
      ttlSeconds: ttls.ttlSeconds,
      maxTtlSeconds: ttls.maxTtlSeconds,
      renewable: true,
      onRenew: async (expiresAt) => {
        try {
          await plugin.renewUser(username, expiresAt, renewStatements);
        } catch (error) {
          throw pluginFailure(error);
        }
      },
      onRevoke: async () => {
        try {
          await plugin.revokeUser(username, revocationStatements);
        } catch (error) {
          throw pluginFailure(error, 'failed to revoke entry: ');
        }
      },
    });
    return { status: 200, data: { username, password }, lease };
  };

  const rotateRoot = async (name: string): Promise<EngineResponse> => {
    const conn = connections.get(name);
    if (!conn) throw new VaultError(400, `unable to read database config: ${name}`);
    try {
      const password = await conn.plugin.rotateRoot(conn.config.rootRotationStatements);
      conn.config.details = { ...conn.config.details, password };
    } catch (error) {
      throw pluginFailure(error, 'failed to update user: ');
    }
    return { status: 204 };
  };

  return {
    type: 'database',

    exists(path) {
      const [kind, name = ''] = splitPath(path);
      if (kind === 'config') return Promise.resolve(connections.has(name));
      if (kind === 'roles') return Promise.resolve(roles.has(name));
      return Promise.resolve(false);
    },

    async handle(req) {
      const [kind, name = ''] = splitPath(req.path);
      const op = req.operation;
      const write = op === 'create' || op === 'update';

      if (kind === 'config') {
        if (op === 'list' || (name === '' && op === 'read')) {
          return listResponse([...connections.keys()]);
        }
        if (name === '') throw new VaultError(405, 'unsupported operation');
        if (op === 'read') return readConfig(name);
        if (write) {
          await writeConfig(name, req.body);
          return { status: 204 };
        }
        if (op === 'delete') {
          await closeConnection(name);
          return { status: 204 };
        }
      }
      if (kind === 'roles') {
        if (op === 'list' || (name === '' && op === 'read')) return listResponse([...roles.keys()]);
        if (name === '') throw new VaultError(405, 'unsupported operation');
        if (op === 'read') return readRole(name);
        if (write) {
          writeRole(name, req.body, op === 'create' || !roles.has(name));
          return { status: 204 };
        }
        if (op === 'delete') {
          roles.delete(name);
          return { status: 204 };
        }
      }
      if (kind === 'creds' && name !== '' && op === 'read') return issueCreds(req, name);
      if (kind === 'rotate-root' && name !== '' && write) return rotateRoot(name);
      if (['config', 'roles', 'creds', 'rotate-root'].includes(kind)) {
        throw new VaultError(405, 'unsupported operation');
      }
      throw new VaultError(404, `unsupported path`);
    },

    async close() {
      await Promise.allSettled([...connections.keys()].map((name) => closeConnection(name)));
    },
  };
}

/** "roles/app" -> ["roles", "app"]; "roles/" and "roles" -> ["roles", ""]. */
function splitPath(path: string): [string, string] {
  const trimmed = path.replace(/^\/+/, '');
  const slash = trimmed.indexOf('/');
  if (slash === -1) return [trimmed, ''];
  return [trimmed.slice(0, slash), trimmed.slice(slash + 1).replace(/\/+$/, '')];
}
