import { readFile } from 'node:fs/promises';
import type { CommonConfig } from '@flowstack/config';
import { AppError } from '@flowstack/errors';
import type { Lifecycle } from './lifecycle/lifecycle.js';
import type { Logger, Metrics } from '@flowstack/observability';
import { createVaultClient, type VaultAuthConfig, type VaultClient } from '@flowstack/vault';

/**
 * The login the config asks for; undefined for VAULT_AUTH_METHOD=none. The config schema
 * (`requireVaultLoginInputs` in @flowstack/config) already refused a method without its input.
 */
export function vaultAuthFrom(config: CommonConfig, service: string): VaultAuthConfig | undefined {
  switch (config.VAULT_AUTH_METHOD) {
    case 'none':
      return undefined;
    case 'token':
      return { method: 'token', token: config.VAULT_TOKEN, tokenFile: config.VAULT_TOKEN_FILE };
    case 'jwt':
      return {
        method: 'jwt',
        jwtFile: checked(config.VAULT_JWT_FILE, 'VAULT_JWT_FILE'),
        role: config.VAULT_JWT_ROLE ?? `flowstack-${service}`,
        mount: config.VAULT_JWT_MOUNT,
      };
    case 'approle':
      return {
        method: 'approle',
        roleId: checked(config.VAULT_APPROLE_ROLE_ID, 'VAULT_APPROLE_ROLE_ID'),
        secretIdFile: config.VAULT_APPROLE_SECRET_ID_FILE,
        mount: config.VAULT_APPROLE_MOUNT,
      };
  }
}

/**
 * Logs in to Vault as a lifecycle step when VAULT_AUTH_METHOD is not `none`. Opened before the
 * data services, so it stops after them: the pools close first, then the leases are revoked and
 * the token with them. SIGHUP re-reads the token file (Nomad `change_mode = "signal"`).
 */
export async function openVault(options: {
  service: string;
  config: CommonConfig;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
  startupTimeoutMs: number;
}): Promise<VaultClient | undefined> {
  const { config } = options;
  const auth = vaultAuthFrom(config, options.service);
  if (auth === undefined) return undefined;
  return options.lifecycle.step('vault', async () => {
    const caCert =
      config.VAULT_CA_CERT_FILE === undefined
        ? undefined
        : await readFile(config.VAULT_CA_CERT_FILE, 'utf8');
    const client = createVaultClient({
      address: config.VAULT_ADDR,
      auth,
      logger: options.logger,
      registry: options.metrics.registry,
      timeoutMs: config.VAULT_REQUEST_TIMEOUT_MS,
      caCert,
    });
    await client.start(options.startupTimeoutMs).catch((error: unknown) => {
      throw new AppError(`Vault login at ${config.VAULT_ADDR} failed.`, {
        status: 503,
        code: 'dependency-unreachable',
        isOperational: true,
        cause: error,
      });
    });
    const onHangup = () => {
      void client.reloadToken().catch((error: unknown) => {
        options.logger.warn({ err: error }, 'vault token reload on SIGHUP failed');
      });
    };
    process.on('SIGHUP', onHangup);
    return {
      value: client,
      stop: async () => {
        process.off('SIGHUP', onHangup);
        await client.close();
      },
    };
  });
}

/** A key the config schema requires for the chosen method; missing only if the schema was bypassed. */
function checked(value: string | undefined, key: string): string {
  if (value === undefined) {
    throw new AppError(`${key} is missing: the config was not loaded through its schema.`, {
      status: 500,
      code: 'config-invalid',
      isOperational: false,
    });
  }
  return value;
}
