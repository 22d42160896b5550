import { readFile } from 'node:fs/promises';
import type { CommonConfig } from '@flowstack/config';
import { createStaticCredentialSource, type CredentialSource } from '@flowstack/credentials';

import { AppError } from '@flowstack/errors';
import type { Lifecycle } from './lifecycle/lifecycle.js';
import type { Logger, Metrics } from '@flowstack/observability';
import {
  createEnvelopeSealer,
  createLocalSealer,
  createPlaintextSealer,
  type PiiSealer,
  createTransitSealer,
  createVaultClient,
  rewrapSealed,
  type VaultAuthConfig,
  type VaultClient,
} from '@flowstack/vault';

/** The per-service Vault paths of the dynamic credentials (api and worker configs carry them). */
export interface VaultCredsConfig {
  VAULT_POSTGRES_CREDS_PATH: string;
  VAULT_REDIS_CREDS_PATH: string;
  VAULT_RABBITMQ_CREDS_PATH: string;
}

export type DataServicesConfig = CommonConfig & Partial<VaultCredsConfig>;

export interface CredentialSources {
  postgres: CredentialSource;
  redis: CredentialSource;
  rabbitmq: CredentialSource;
}

export function vaultAuthFrom(config: CommonConfig, service: string): VaultAuthConfig | undefined {
  switch (config.VAULT_AUTH_METHOD) {
    case 'none':
      return undefined;
    case 'token':
      if (config.VAULT_TOKEN === undefined && config.VAULT_TOKEN_FILE === undefined) {
        throw misconfigured('VAULT_AUTH_METHOD=token needs VAULT_TOKEN or VAULT_TOKEN_FILE.');
      }
      return { method: 'token', token: config.VAULT_TOKEN, tokenFile: config.VAULT_TOKEN_FILE };
    case 'jwt':
      if (config.VAULT_JWT_FILE === undefined) {
        throw misconfigured('VAULT_AUTH_METHOD=jwt needs VAULT_JWT_FILE.');
      }
      return {
        method: 'jwt',
        jwtFile: config.VAULT_JWT_FILE,
        role: config.VAULT_JWT_ROLE ?? `flowstack-${service}`,
        mount: config.VAULT_JWT_MOUNT,
      };
    case 'approle':
      if (config.VAULT_APPROLE_ROLE_ID === undefined) {
        throw misconfigured('VAULT_AUTH_METHOD=approle needs VAULT_APPROLE_ROLE_ID.');
      }
      return {
        method: 'approle',
        roleId: config.VAULT_APPROLE_ROLE_ID,
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

/** Vault-leased credentials when Vault is on, else the static ones from config. */
export async function openCredentialSources(
  config: DataServicesConfig,
  vault: VaultClient | undefined,
): Promise<CredentialSources> {
  if (vault === undefined) {
    return {
      postgres: createStaticCredentialSource({
        username: config.POSTGRES_USER,
        password: config.POSTGRES_PASSWORD,
      }),
      redis: createStaticCredentialSource({
        username: config.REDIS_USERNAME,
        password: config.REDIS_PASSWORD,
      }),
      rabbitmq: createStaticCredentialSource({
        username: config.RABBITMQ_USER,
        password: config.RABBITMQ_PASSWORD,
      }),
    };
  }
  const path = (key: keyof VaultCredsConfig) => {
    const value = config[key];
    if (value === undefined) throw misconfigured(`${key} is required when Vault is on.`);
    return value;
  };
  const revokeGraceMs = config.VAULT_REVOKE_GRACE_MS;
  return {
    postgres: await vault.credentialSource({
      name: 'postgres',
      path: path('VAULT_POSTGRES_CREDS_PATH'),
      revokeGraceMs,
    }),
    redis: await vault.credentialSource({
      name: 'redis',
      path: path('VAULT_REDIS_CREDS_PATH'),
      revokeGraceMs,
    }),
    rabbitmq: await vault.credentialSource({
      name: 'rabbitmq',
      path: path('VAULT_RABBITMQ_CREDS_PATH'),
      revokeGraceMs,
    }),
  };
}

/** How the customer's e-mail is sealed: Transit (direct or envelope), else a local key, else marked plaintext. */
export function choosePiiSealer(config: CommonConfig, vault: VaultClient | undefined): PiiSealer {
  if (vault !== undefined) {
    const transit = vault.transit(config.TRANSIT_KEY, config.TRANSIT_MOUNT);
    return config.TRANSIT_MODE === 'envelope'
      ? createEnvelopeSealer(transit)
      : createTransitSealer(transit);
  }
  return config.PII_LOCAL_KEY === undefined
    ? createPlaintextSealer()
    : createLocalSealer(config.PII_LOCAL_KEY);
}

/** Stored sealed e-mails to the newest version of TRANSIT_KEY, without a plaintext in sight. */
export interface PiiRewrapper {
  /** `<mount>/<key>` */
  readonly key: string;
  latestVersion(): Promise<number>;
  /** Direct (`vault:vN:`) and envelope values alike, in input order. */
  rewrap(sealed: string[]): Promise<string[]>;
}

export function createPiiRewrapper(config: CommonConfig, vault: VaultClient): PiiRewrapper {
  const transit = vault.transit(config.TRANSIT_KEY, config.TRANSIT_MOUNT);
  return {
    key: `${config.TRANSIT_MOUNT}/${config.TRANSIT_KEY}`,
    latestVersion: () => transit.latestVersion(),
    rewrap: (sealed) => rewrapSealed(transit, sealed),
  };
}

function misconfigured(message: string): AppError {
  return new AppError(message, { status: 500, code: 'config-invalid', isOperational: false });
}
