import { z } from 'zod';

/** Vault's auth block, as login and renew-self return it. */
export const authBlockSchema = z.object({
  client_token: z.string().min(1),
  accessor: z.string().optional(),
  policies: z.array(z.string()).nullish(),
  lease_duration: z.number().int().min(0),
  renewable: z.boolean(),
});
export type AuthBlock = z.infer<typeof authBlockSchema>;

export const authResponseSchema = z.object({
  auth: authBlockSchema,
  warnings: z.array(z.string()).nullish(),
});

export const lookupSelfSchema = z.object({
  data: z.object({
    ttl: z.number().int(),
    renewable: z.boolean().optional(),
    period: z.number().int().optional(),
    accessor: z.string().optional(),
  }),
});

/** The envelope of a read that created a lease (database, RabbitMQ creds). */
export const leasedSecretSchema = z.object({
  lease_id: z.string(),
  lease_duration: z.number().int().min(0),
  renewable: z.boolean(),
  data: z.record(z.string(), z.unknown()),
  warnings: z.array(z.string()).nullish(),
});
export type LeasedSecret = z.infer<typeof leasedSecretSchema>;

export const leaseRenewalSchema = z.object({
  lease_id: z.string(),
  lease_duration: z.number().int().min(0),
  renewable: z.boolean(),
  warnings: z.array(z.string()).nullish(),
});

export const usernamePasswordSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
});

export const kvV2ReadSchema = z.object({
  data: z.object({
    data: z.record(z.string(), z.unknown()),
    metadata: z.object({ version: z.number().int() }).partial().passthrough().nullish(),
  }),
});

export const ciphertextSchema = z.string().regex(/^vault:v\d+:/, 'not a Transit ciphertext');

export const transitEncryptSchema = z.object({
  data: z.object({ ciphertext: ciphertextSchema, key_version: z.number().int().optional() }),
});
export const transitDecryptSchema = z.object({ data: z.object({ plaintext: z.string() }) });
export const transitBatchSchema = z.object({
  data: z.object({
    batch_results: z.array(
      z.object({ ciphertext: z.string().optional(), error: z.string().optional() }),
    ),
  }),
});
export const transitDatakeySchema = z.object({
  data: z.object({ plaintext: z.string().min(1), ciphertext: ciphertextSchema }),
});
export const transitKeySchema = z.object({
  data: z.object({
    latest_version: z.number().int().optional(),
    keys: z.record(z.string(), z.unknown()),
    min_decryption_version: z.number().int().optional(),
  }),
});

export const pkiIssueSchema = z.object({
  data: z.object({
    certificate: z.string().includes('BEGIN CERTIFICATE'),
    private_key: z.string().includes('PRIVATE KEY'),
    issuing_ca: z.string().optional(),
    ca_chain: z.array(z.string()).nullish(),
    serial_number: z.string(),
    expiration: z.number().int().optional(),
  }),
});
