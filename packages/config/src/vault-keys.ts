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

/** Per-service dynamic-secret paths; defaults are the roles infra/vault creates for the service. */
export function vaultCredsKeys(roles: { postgres: string; redis: string; rabbitmq: string }) {
  return {
    VAULT_POSTGRES_CREDS_PATH: text(
      `database/creds/${roles.postgres}`,
      'Vault path of the PostgreSQL credentials.',
    ),
    VAULT_REDIS_CREDS_PATH: text(
      `database/creds/${roles.redis}`,
      'Vault path of the Redis ACL credentials.',
    ),
    VAULT_RABBITMQ_CREDS_PATH: text(
      `rabbitmq/creds/${roles.rabbitmq}`,
      'Vault path of the RabbitMQ credentials.',
    ),
  };
}

/** The API can serve HTTPS with a certificate from Vault's PKI, renewed at 2/3 of its life. */
export const apiTlsKeys = {
  TLS_MODE: z
    .enum(['off', 'vault'])
    .default('off')
    .describe('off = plain HTTP; vault = HTTPS with a certificate issued by Vault PKI.'),
  TLS_PKI_PATH: text('pki_int/issue/flowstack-api', "Vault PKI issue path (the api's own role)."),
  TLS_COMMON_NAME: text('api.service.consul', 'Common name of the certificate.'),
  TLS_ALT_NAMES: z
    .string()
    .default('localhost')
    .describe('Comma-separated DNS SANs of the certificate.'),
  TLS_IP_SANS: z.string().default('127.0.0.1').describe('Comma-separated IP SANs.'),
  TLS_CERT_TTL: text('24h', 'Lifetime asked for each certificate.'),
};
