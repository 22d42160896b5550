import { AppError } from '@flowstack/errors';
import type { Logger } from '@flowstack/observability';
import type { VaultClient } from '@flowstack/vault';
import { SERVICE_VAULT_NAMES, VAULT_MOUNTS } from '@flowstack/vault/paths';

/** The field of the api's KV config secret that holds the key (infra/vault's bootstrap writes it). */
export const ORDER_ID_SECRET_FIELD = 'order_id_secret';

const MIN_BYTES = 32;

/**
 * The HMAC key order ids are derived with (decision 002): ORDER_ID_SECRET when set, else with
 * Vault on the `order_id_secret` field of the api's KV config (a start-up error when it is
 * missing or short, since a key made up here would give every retry a new row), else none: the
 * public derivation, said once in the log.
 */
export async function readOrderIdSecret(options: {
  configured: string | undefined;
  vault: Pick<VaultClient, 'readKv'> | undefined;
  logger: Logger;
}): Promise<Buffer | undefined> {
  if (options.configured !== undefined) return Buffer.from(options.configured, 'base64');
  if (options.vault === undefined) {
    options.logger.warn(
      'order ids are derived without a secret (no Vault, no ORDER_ID_SECRET): whoever knows an Idempotency-Key can compute its order id',
    );
    return undefined;
  }
  const path = SERVICE_VAULT_NAMES.api.kvConfigPath;
  const data = await options.vault.readKv(path, { mount: VAULT_MOUNTS.kv });
  const value = data[ORDER_ID_SECRET_FIELD];
  const secret = typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
  if (secret === undefined || secret.length < MIN_BYTES) {
    throw new AppError(
      `${VAULT_MOUNTS.kv}/data/${path} has no ${ORDER_ID_SECRET_FIELD} of ${MIN_BYTES}+ bytes (base64): run the Vault bootstrap (infra/vault), which writes one, or set ORDER_ID_SECRET.`,
      { status: 500, code: 'config-invalid', isOperational: false },
    );
  }
  return secret;
}
