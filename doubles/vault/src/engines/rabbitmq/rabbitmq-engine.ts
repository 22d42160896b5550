import { randomUUID } from 'node:crypto';
import { resolveLeaseTtls } from '../../core/leases.js';
import { parseDuration } from '../../core/ttl.js';
import type { EngineContext, EngineResponse, SecretEngine } from '../../core/types.js';
import { VaultError } from '../../core/types.js';
import { generatePassword } from '../database/credentials.js';
import type { ManagementClient, TopicPermission, VhostPermission } from './management-client.js';
import { createManagementClient } from './management-client.js';

interface ConnectionConfig {
  connectionUri: string;
  username: string;
  password: string;
  verifyConnection: boolean;
  passwordPolicy: string;
}

interface RoleEntry {
  tags: string;
  vhosts: Record<string, VhostPermission>;
  vhostTopics: Record<string, Record<string, TopicPermission>>;
}

function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function bool(value: unknown, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return fallback;
}

/** vhosts and vhost_topics arrive as JSON-encoded strings (objects are accepted too). */
function parseJsonField(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null || value === '') return {};
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'invalid JSON';
      throw new VaultError(400, `failed to unmarshal ${field}: ${reason}`);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new VaultError(400, `failed to unmarshal ${field}: expected a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function permission(value: unknown): VhostPermission {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return { configure: str(v.configure), write: str(v.write), read: str(v.read) };
}

function topicPermission(value: unknown): TopicPermission {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return { write: str(v.write), read: str(v.read) };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The RabbitMQ secrets engine: creds/:role creates a real RabbitMQ user through the management
 * HTTP API with the role's tags and vhost permissions; the lease's revoke deletes it.
 */
export function createRabbitmqEngine(ctx: EngineContext): SecretEngine {
  let connection: ConnectionConfig | undefined;
  let client: ManagementClient | undefined;
  let lease = { ttl: 0, maxTtl: 0 };
  const roles = new Map<string, RoleEntry>();

  const writeConnection = async (body: Record<string, unknown>) => {
    const config: ConnectionConfig = {
      connectionUri: str(body.connection_uri),
      username: str(body.username),
      password: str(body.password),
      verifyConnection: bool(body.verify_connection, true),
      passwordPolicy: str(body.password_policy),
    };
    if (config.connectionUri === '') throw new VaultError(400, 'missing connection_uri');
    if (config.username === '') throw new VaultError(400, 'missing username');
    if (config.password === '') throw new VaultError(400, 'missing password');
    const next = createManagementClient(config.connectionUri, config.username, config.password);
    if (config.verifyConnection) {
      try {
        await next.overview();
      } catch (error) {
        throw new VaultError(400, `failed to validate the connection: ${errorMessage(error)}`);
      }
    }
    connection = config;
    client = next;
  };

  const writeRole = (name: string, body: Record<string, unknown>) => {
    const vhosts = parseJsonField(body.vhosts, 'vhosts');
    const topics = parseJsonField(body.vhost_topics, 'vhost_topics');
    const role: RoleEntry = {
      tags: str(body.tags),
      vhosts: Object.fromEntries(Object.entries(vhosts).map(([k, v]) => [k, permission(v)])),
      vhostTopics: Object.fromEntries(
        Object.entries(topics).map(([vhost, exchanges]) => [
          vhost,
          Object.fromEntries(
            Object.entries(
              (typeof exchanges === 'object' && exchanges !== null ? exchanges : {}) as Record<
                string,
                unknown
              >,
            ).map(([ex, p]) => [ex, topicPermission(p)]),
          ),
        ]),
      ),
    };
    roles.set(name, role);
  };

  const issueCreds = async (roleName: string, displayName: string): Promise<EngineResponse> => {
    const role = roles.get(roleName);
    if (!role) throw new VaultError(400, `unknown role: ${roleName}`);
    const mgmt = client;
    if (!mgmt) throw new VaultError(500, 'configuration is not set');
    const username = `${displayName || 'token'}-${randomUUID()}`;
    const password = generatePassword();
    try {
      await mgmt.putUser(username, password, role.tags);
      for (const [vhost, perms] of Object.entries(role.vhosts)) {
        await mgmt.putPermissions(vhost, username, perms);
      }
      for (const [vhost, exchanges] of Object.entries(role.vhostTopics)) {
        for (const [exchange, perms] of Object.entries(exchanges)) {
          await mgmt.putTopicPermissions(vhost, username, exchange, perms);
        }
      }
    } catch (error) {
      await mgmt.deleteUser(username).catch(() => undefined);
      throw new VaultError(500, errorMessage(error));
    }
    const ttls = resolveLeaseTtls(lease.ttl, lease.maxTtl, ctx.options);
    const issued = ctx.leases.issue({
      pathPrefix: `${ctx.mountPath}creds/${roleName}`,
      ttlSeconds: ttls.ttlSeconds,
      maxTtlSeconds: ttls.maxTtlSeconds,
      renewable: true,
      // RabbitMQ users do not expire by themselves: renewing only extends the lease.
      onRenew: () => Promise.resolve(),
      onRevoke: async () => {
        try {
          await mgmt.deleteUser(username);
          await mgmt.closeConnectionsOf(username);
        } catch (error) {
          throw new VaultError(500, `failed to revoke entry: ${errorMessage(error)}`);
        }
      },
    });
    return { status: 200, data: { username, password }, lease: issued };
  };

  return {
    type: 'rabbitmq',

    exists(path) {
      const clean = path.replace(/\/+$/, '');
      if (clean === 'config/connection') return Promise.resolve(connection !== undefined);
      if (clean === 'config/lease') return Promise.resolve(lease.ttl > 0 || lease.maxTtl > 0);
      if (clean.startsWith('roles/')) return Promise.resolve(roles.has(clean.slice(6)));
      return Promise.resolve(false);
    },

    async handle(req) {
      const path = req.path.replace(/^\/+/, '').replace(/\/+$/, '');
      const op = req.operation;
      const write = op === 'create' || op === 'update';

      if (path === 'config/connection') {
        if (write) {
          await writeConnection(req.body);
          return { status: 204 };
        }
        if (op === 'read') {
          if (!connection) return { status: 404 };
          return {
            status: 200,
            data: {
              connection_uri: connection.connectionUri,
              username: connection.username,
              verify_connection: connection.verifyConnection,
              password_policy: connection.passwordPolicy,
            },
          };
        }
      }
      if (path === 'config/lease') {
        if (write) {
          lease = {
            ttl: parseDuration(req.body.ttl, 0, 'ttl'),
            maxTtl: parseDuration(req.body.max_ttl, 0, 'max_ttl'),
          };
          return { status: 204 };
        }
        if (op === 'read') return { status: 200, data: { ttl: lease.ttl, max_ttl: lease.maxTtl } };
      }
      if (path === 'roles' && (op === 'list' || op === 'read')) {
        const keys = [...roles.keys()].sort();
        return keys.length === 0 ? { status: 404 } : { status: 200, data: { keys } };
      }
      if (path.startsWith('roles/')) {
        const name = path.slice('roles/'.length);
        if (op === 'list') {
          const keys = [...roles.keys()].sort();
          return keys.length === 0 ? { status: 404 } : { status: 200, data: { keys } };
        }
        if (write) {
          writeRole(name, req.body);
          return { status: 204 };
        }
        if (op === 'read') {
          const role = roles.get(name);
          if (!role) return { status: 404 };
          return {
            status: 200,
            data: { tags: role.tags, vhosts: role.vhosts, vhost_topics: role.vhostTopics },
          };
        }
        if (op === 'delete') {
          roles.delete(name);
          return { status: 204 };
        }
      }
      if (path.startsWith('creds/') && op === 'read') {
        return issueCreds(path.slice('creds/'.length), req.token.displayName);
      }
      if (/^(config\/(connection|lease)|roles\/.+|creds\/.+)$/.test(path)) {
        throw new VaultError(405, 'unsupported operation');
      }
      throw new VaultError(404, 'unsupported path');
    },

    close() {
      return Promise.resolve();
    },
  };
}
