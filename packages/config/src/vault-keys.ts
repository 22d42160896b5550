import { z } from 'zod';
import { optionalSecret, positiveInt, text } from './fields.js';

const optionalText = (description: string) => z.string().min(1).optional().describe(description);

/**
 * Vault keys every process shares. With VAULT_AUTH_METHOD=none (the default) nothing talks to
 * Vault: the static POSTGRES_*, REDIS_*, RABBITMQ_* credentials are used as before.
 */
export const vaultKeys = {
  VAULT_AUTH_METHOD: z
    .enum(['none', 'token', 'jwt', 'approle'])
    .default('none')
    .describe(
      'How the process logs in to Vault; none = no Vault (static credentials, no Transit).',
    ),
  VAULT_ADDR: text('http://127.0.0.1:8200', 'Vault address.'),
  VAULT_CA_CERT_FILE: optionalText('PEM file of the CA that signed Vault’s certificate.'),
  VAULT_TOKEN: optionalSecret('Token for VAULT_AUTH_METHOD=token (renewed when renewable).'),
  VAULT_TOKEN_FILE: optionalText(
    'Token file for VAULT_AUTH_METHOD=token (Nomad: secrets/vault_token); followed, never renewed.',
  ),
  VAULT_JWT_FILE: optionalText(
    'Signed JWT for VAULT_AUTH_METHOD=jwt (Nomad: secrets/nomad_token); re-read at each login.',
  ),
  VAULT_JWT_ROLE: optionalText('JWT auth role (default: flowstack-<service>).'),
  VAULT_JWT_MOUNT: text('jwt-nomad', 'JWT auth mount.'),
  VAULT_APPROLE_ROLE_ID: optionalText('role_id for VAULT_AUTH_METHOD=approle.'),
  VAULT_APPROLE_SECRET_ID_FILE: optionalText('File holding the AppRole secret_id.'),
  VAULT_APPROLE_MOUNT: text('approle', 'AppRole auth mount.'),
  VAULT_REQUEST_TIMEOUT_MS: positiveInt(5_000, 'Timeout of each Vault request.'),
  VAULT_REVOKE_GRACE_MS: positiveInt(
    5_000,
    'How long superseded credentials live after the clients moved on, for work already running.',
  ),
  TRANSIT_MOUNT: text('transit', 'Transit mount that protects personal data.'),
  TRANSIT_KEY: text('orders-pii', 'Transit key for the customer e-mail.'),
  TRANSIT_MODE: z
    .enum(['direct', 'envelope'])
    .default('envelope')
    .describe(
      'envelope: local AES-GCM under a Transit data key (one Transit call per data key, renewed every 5 min); direct: one Transit call per value (vault:vN:...).',
    ),
  PII_LOCAL_KEY: optionalSecret(
    'Without Vault: base64 32-byte AES key to seal e-mails locally; unset = stored as marked plaintext.',
  ),
};

type VaultLoginConfig = z.output<z.ZodObject<Pick<typeof vaultKeys, VaultLoginKey>>>;
type VaultLoginKey =
  | 'VAULT_AUTH_METHOD'
  | 'VAULT_TOKEN'
  | 'VAULT_TOKEN_FILE'
  | 'VAULT_JWT_FILE'
  | 'VAULT_APPROLE_ROLE_ID';

/** A refinement for a schema with the Vault keys: the chosen login method has what it needs. */
export function requireVaultLoginInputs(config: VaultLoginConfig, ctx: z.RefinementCtx): void {
  const missing = (key: VaultLoginKey, message: string) =>
    ctx.addIssue({ code: 'custom', message, path: [key] });
  switch (config.VAULT_AUTH_METHOD) {
    case 'none':
      return;
    case 'token':
      if (config.VAULT_TOKEN === undefined && config.VAULT_TOKEN_FILE === undefined) {
        missing(
          'VAULT_TOKEN',
          'required when VAULT_AUTH_METHOD=token, unless VAULT_TOKEN_FILE is set',
        );
      }
      return;
    case 'jwt':
      if (config.VAULT_JWT_FILE === undefined) {
        missing('VAULT_JWT_FILE', 'required when VAULT_AUTH_METHOD=jwt');
      }
      return;
    case 'approle':
      if (config.VAULT_APPROLE_ROLE_ID === undefined) {
        missing('VAULT_APPROLE_ROLE_ID', 'required when VAULT_AUTH_METHOD=approle');
      }
      return;
  }
}

/**
 * Per-service dynamic-secret paths; the defaults are the service's roles in the Vault registry
 * (`credsPathsOf` in @flowstack/vault/paths), which infra/vault creates.
 */
export function vaultCredsKeys(paths: { postgres: string; redis: string; rabbitmq: string }) {
  return {
    VAULT_POSTGRES_CREDS_PATH: text(paths.postgres, 'Vault path of the PostgreSQL credentials.'),
    VAULT_REDIS_CREDS_PATH: text(paths.redis, 'Vault path of the Redis ACL credentials.'),
    VAULT_RABBITMQ_CREDS_PATH: text(paths.rabbitmq, 'Vault path of the RabbitMQ credentials.'),
  };
}
