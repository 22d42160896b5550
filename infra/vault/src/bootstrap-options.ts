import { BootstrapError } from './bootstrap-error.js';
import type { LdapDirectory, OidcProvider } from './identity-settings.js';

/** A PostgreSQL server Vault issues users for; the URL carries the admin user Vault connects as. */
export interface PostgresTarget {
  /** postgresql://admin:password@host:port/database[?sslmode=...] */
  url: string;
}

export interface RedisTarget {
  host: string;
  port: number;
  /** An ACL user allowed to run ACL SETUSER/DELUSER. */
  username: string;
  password: string;
}

export interface RabbitmqTarget {
  /** Management API base URL without credentials, e.g. http://rabbitmq.service.consul:15672. */
  managementUrl: string;
  /** A user with the administrator tag. */
  username: string;
  password: string;
}

/**
 * How Vault checks Nomad's workload identity tokens: Nomad's JWKS URL (with the CA of a TLS
 * Nomad, PEM) or fixed public keys.
 */
export type JwtKeys = { jwksUrl: string; caPem?: string } | { publicKeys: string[] };

export interface BootstrapOptions {
  address: string;
  token: string;
  postgres?: PostgresTarget;
  redis?: RedisTarget;
  rabbitmq?: RabbitmqTarget;
  jwt?: JwtKeys;
  /** Humans: the directory the LDAP auth method binds against (skipped when absent). */
  ldap?: LdapDirectory;
  /** Humans: the OpenID Connect provider of the OIDC auth method (skipped when absent). */
  oidc?: OidcProvider;
  /** Lease TTL of dynamic credentials (database and RabbitMQ), default "1h". */
  credentialTtl: string;
  /** Max TTL of dynamic credentials, default "24h". */
  credentialMaxTtl: string;
  /**
   * Where the `file/` audit device writes (a path on the Vault server, or "stdout").
   */
  auditFilePath: string;
  /**
   * Target of a second device, `file-2/` (the CLI's default is "stdout": journald under
   * systemd). Vault refuses requests once no audit device can log, so a full or unwritable disk
   * under the first must not stop it ("highly recommended ... multiple audit devices", Vault
   * audit docs). Unset: one device (in-process stacks that must not print the log).
   */
  auditSecondPath?: string;
  /** The Nomad namespace flowstack's jobs run in; every flowstack role is bound to it (default "default"). */
  nomadNamespace?: string;
  /** Nomad namespaces whose jobs may log in with the default role (default ["default"]). */
  workloadNamespaces?: string[];
  /** Address clients reach Vault at, for the PKI mounts' AIA/CRL URLs (default: address). */
  pkiBaseUrl?: string;
  /** RabbitMQ virtual host, exchange and queue the roles are limited to. */
  rabbitmqVhost: string;
  ordersExchange: string;
  ordersQueue: string;
  /**
   * The worker's retry delays (WORKER_RETRY_DELAYS_MS): its RabbitMQ user may declare exactly
   * these retry queues. Default: the worker's default.
   */
  workerRetryDelaysMs?: readonly number[];
  /**
   * Base of the services' Redis key prefixes: each service owns `<base><service>:` and its ACL
   * user allows `~<base><service>:*` only (`redisKeyPrefixFor` in @flowstack/vault/paths).
   */
  redisKeyPrefix: string;
}

export const DEFAULTS = {
  credentialTtl: '1h',
  credentialMaxTtl: '24h',
  // The Linux package runs Vault as user `vault` and creates only /opt/vault/{tls,data}
  // (hashicorp/vault `.release/linux/postinst`); /var/log/vault does not exist and `vault` cannot
  // create it, so the file audit backend's open-at-enable check would fail there.
  auditFilePath: '/opt/vault/data/audit.log',
  nomadNamespace: 'default',
  rabbitmqVhost: '/',
  ordersExchange: 'flowstack.orders',
  ordersQueue: 'flowstack.orders.store',
  redisKeyPrefix: 'flowstack:',
} as const;

function parseUrl(text: string, what: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new BootstrapError(`${what} is not a URL`);
  }
}

/** redis://user:password@host:port */
export function parseRedisUrl(text: string): RedisTarget {
  const url = parseUrl(text, '--redis');
  if (url.protocol !== 'redis:') throw new BootstrapError('--redis must be a redis:// URL');
  if (url.username === '' || url.password === '') {
    throw new BootstrapError(
      '--redis needs redis://<user>:<password>@host:port (Vault needs both; a nopass user accepts any password)',
    );
  }
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

/** http(s)://user:password@host:15672 */
export function parseRabbitmqUrl(text: string): RabbitmqTarget {
  const url = parseUrl(text, '--rabbitmq-management-url');
  if (url.username === '' || url.password === '') {
    throw new BootstrapError(
      '--rabbitmq-management-url needs http://<admin>:<password>@host:15672 (the management API)',
    );
  }
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { managementUrl: url.toString().replace(/\/+$/, ''), username, password };
}

/** postgresql://admin:password@host:port/database */
export function parsePostgresUrl(text: string): PostgresTarget {
  const url = parseUrl(text, '--postgres-url');
  if (!/^postgres(ql)?:$/.test(url.protocol) || url.username === '' || url.password === '') {
    throw new BootstrapError(
      '--postgres-url needs postgresql://<admin>:<password>@host:port/<database>',
    );
  }
  if (url.pathname.replace(/^\//, '') === '') {
    throw new BootstrapError('--postgres-url must name the database');
  }
  return { url: text };
}

/** The connection URL Vault keeps: credentials replaced by its templates. */
export function templatedPostgresUrl(target: PostgresTarget): {
  connectionUrl: string;
  username: string;
  password: string;
  database: string;
} {
  const url = new URL(target.url);
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const query = url.search === '' ? '?sslmode=disable' : url.search;
  const connectionUrl = `postgresql://{{username}}:{{password}}@${url.host}/${encodeURIComponent(database)}${query}`;
  return { connectionUrl, username, password, database };
}
