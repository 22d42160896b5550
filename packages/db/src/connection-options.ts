import { tlsConnectOptions, type Credentials, type TlsPeer } from '@flowstack/credentials';
import type { ClientConfig } from 'pg';

/** Where PostgreSQL is; the credentials come separately, from a CredentialSource. */
export interface ServerAddress {
  host: string;
  port: number;
  database: string;
}

export interface ConnectionSettings {
  statementTimeoutMs?: number | undefined;
  connectionTimeoutMs?: number | undefined;
  applicationName?: string | undefined;
  /** Verify-full TLS: no StartupMessage (so no password) goes to a peer that fails the check. */
  tls?: TlsPeer | undefined;
}

export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;

/** Builds a pg client config; the password is only read here, at the edge. */
export function toClientConfig(
  address: ServerAddress,
  credentials: Credentials,
  settings: ConnectionSettings = {},
): ClientConfig {
  const config: ClientConfig = {
    host: address.host,
    port: address.port,
    database: address.database,
    user: credentials.username,
    connectionTimeoutMillis: settings.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
  };
  // pg reads a missing password from PGPASSWORD/.pgpass; only pass one we actually have.
  if (credentials.password !== undefined) config.password = credentials.password;
  if (settings.statementTimeoutMs !== undefined) {
    config.statement_timeout = settings.statementTimeoutMs;
  }
  if (settings.applicationName !== undefined) config.application_name = settings.applicationName;
  // pg sends SSLRequest and fails unless the server answers 'S' and the handshake verifies.
  if (settings.tls !== undefined) config.ssl = tlsConnectOptions(settings.tls);
  return config;
}
