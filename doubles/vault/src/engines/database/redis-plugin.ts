import { Redis } from 'ioredis';
import { VaultError } from '../../core/types.js';
import { generatePassword, redisUsername } from './credentials.js';
import type { PluginFactory } from './plugin.js';
import { boolField, stringField } from './plugin.js';

const DEFAULT_RULES = '["~*", "+@read"]';

/**
 * redis-database-plugin: one client on the root ACL user. Users are `ACL SETUSER <name> on
 * ><password> <rules>` where the rules are the JSON list in the role's first creation statement.
 */
export const createRedisPlugin: PluginFactory = (details) => {
  const host = stringField(details, 'host');
  const port = Number(details.port);
  const username = stringField(details, 'username');
  let password = stringField(details, 'password');
  if (host === '') throw new VaultError(400, 'host cannot be empty');
  if (!Number.isInteger(port) || port <= 0) throw new VaultError(400, 'port cannot be empty');
  if (username === '') throw new VaultError(400, 'username cannot be empty');
  if (password === '') throw new VaultError(400, 'password cannot be empty');
  const tls = boolField(details, 'tls', false);
  const insecureTls = boolField(details, 'insecure_tls', false);
  const caCert = stringField(details, 'ca_cert');
  let client: Redis | undefined;

  const getClient = (): Redis => {
    if (!client) {
      client = new Redis({
        host,
        port,
        username,
        password,
        lazyConnect: true,
        connectTimeout: 5_000,
        maxRetriesPerRequest: 1,
        ...(tls
          ? { tls: { rejectUnauthorized: !insecureTls, ...(caCert ? { ca: caCert } : {}) } }
          : {}),
      });
      // Connection errors surface on the commands; without a listener ioredis prints them.
      client.on('error', () => undefined);
    }
    return client;
  };

  const closeClient = async () => {
    const current = client;
    client = undefined;
    if (current) await current.quit().catch(() => current.disconnect());
  };

  return {
    async verify() {
      await getClient().ping();
    },

    async newUser(req) {
      const first = req.statements.map((s) => s.trim()).find((s) => s !== '') ?? DEFAULT_RULES;
      let rules: unknown;
      try {
        rules = JSON.parse(first);
      } catch (error) {
        const reason = error instanceof Error ? error.message : 'invalid JSON';
        throw new VaultError(
          500,
          `error unmarshalling REDIS rules in the creation statement JSON: ${reason}`,
        );
      }
      if (!Array.isArray(rules) || !rules.every((r) => typeof r === 'string')) {
        throw new VaultError(
          500,
          'error unmarshalling REDIS rules in the creation statement JSON: expected a list of strings',
        );
      }
      const name = redisUsername(req);
      await getClient().call('ACL', 'SETUSER', name, 'ON', `>${req.password}`, ...rules);
      return name;
    },

    // Redis users do not expire; only the lease is extended.
    renewUser() {
      return Promise.resolve();
    },

    async revokeUser(name) {
      // DELUSER also disconnects the user's open connections.
      await getClient().call('ACL', 'DELUSER', name);
    },

    async rotateRoot() {
      const newPassword = generatePassword();
      await getClient().call('ACL', 'SETUSER', username, 'RESETPASS', `>${newPassword}`);
      password = newPassword;
      await closeClient();
      return newPassword;
    },

    close: closeClient,
  };
};
