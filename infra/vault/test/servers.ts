import { startVaultDouble } from '@flowstack/vault-double';
import type { BootstrapOptions } from '../src/bootstrap-options.js';
import { DEFAULTS } from '../src/bootstrap-options.js';
import { DEFAULT_WORKLOAD_NAMESPACES } from '../src/workload-roles.js';

/** The Vault double by default; the server in VAULT_ADDR (with VAULT_TOKEN) when set. */
export async function openVault(): Promise<{
  address: string;
  token: string;
  isDouble: boolean;
  stop(): Promise<void>;
}> {
  const address = process.env['VAULT_ADDR'];
  if (address) {
    const token = process.env['VAULT_TOKEN'];
    if (!token) throw new Error('VAULT_ADDR is set but VAULT_TOKEN is not');
    return { address, token, isDouble: false, stop: () => Promise.resolve() };
  }
  const double = await startVaultDouble({ port: 0 });
  return {
    address: double.url,
    token: double.rootToken,
    isDouble: true,
    stop: () => double.stop(),
  };
}

export const REDIS = {
  host: process.env['REDIS_HOST'] ?? '127.0.0.1',
  port: Number(process.env['REDIS_PORT'] ?? 6379),
  username: process.env['REDIS_ADMIN_USER'] ?? 'default',
  // The local default user has no password and accepts any; Vault requires one.
  password: process.env['REDIS_ADMIN_PASSWORD'] ?? 'unused-by-a-nopass-default-user',
};

export const RABBITMQ = {
  managementUrl: process.env['RABBITMQ_MANAGEMENT_URL'] ?? 'http://127.0.0.1:15672',
  username: process.env['RABBITMQ_ADMIN_USER'] ?? 'guest',
  password: process.env['RABBITMQ_ADMIN_PASSWORD'] ?? 'guest',
};

export function baseOptions(address: string, token: string): BootstrapOptions {
  return {
    address,
    token,
    credentialTtl: DEFAULTS.credentialTtl,
    credentialMaxTtl: DEFAULTS.credentialMaxTtl,
    auditFilePath: 'discard',
    // Two devices as in production, neither writing into the test output.
    auditSecondPath: 'discard',
    nomadNamespace: DEFAULTS.nomadNamespace,
    workloadNamespaces: [...DEFAULT_WORKLOAD_NAMESPACES],
    pkiBaseUrl: address,
    rabbitmqVhost: DEFAULTS.rabbitmqVhost,
    ordersExchange: DEFAULTS.ordersExchange,
    ordersQueue: DEFAULTS.ordersQueue,
    redisKeyPrefix: DEFAULTS.redisKeyPrefix,
  };
}
