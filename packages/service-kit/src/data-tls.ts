import { readFileSync } from 'node:fs';
import type { CommonConfig, DataStore } from '@flowstack/config';
import type { TlsPeer } from '@flowstack/credentials';
import { AppError } from '@flowstack/errors';

/** The TlsPeer of one data store from its <STORE>_TLS* keys; undefined when TLS is off. */
export function tlsPeerOf(config: CommonConfig, store: DataStore): TlsPeer | undefined {
  if (!config[`${store}_TLS`]) return undefined;
  const caFile = config[`${store}_TLS_CA_FILE`];
  if (caFile === undefined) {
    throw misconfigured(`${store}_TLS is true but ${store}_TLS_CA_FILE is not set.`);
  }
  let ca: string;
  try {
    ca = readFileSync(caFile, 'utf8');
  } catch (error) {
    throw misconfigured(`${store}_TLS_CA_FILE (${caFile}) cannot be read.`, error);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw misconfigured(`${store}_TLS_CA_FILE (${caFile}) holds no PEM certificate.`);
  }
  return { ca, serverName: config[`${store}_TLS_SERVER_NAME`] };
}

function misconfigured(message: string, cause?: unknown): AppError {
  return new AppError(message, { status: 500, code: 'misconfigured', isOperational: false, cause });
}
