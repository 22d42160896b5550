import { createStaticCredentialSource, type CredentialSource } from '@flowstack/credentials';
import type { CommonConfig } from '@flowstack/config';
import { AppError } from '@flowstack/errors';
import type { VaultClient } from '@flowstack/vault';

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

function misconfigured(message: string): AppError {
  return new AppError(message, { status: 500, code: 'config-invalid', isOperational: false });
}
