import { commonConfigSchema, fields, vaultCredsKeys } from '@flowstack/config';
import { credsPathsOf, redisKeyPrefixFor, SERVICE_VAULT_NAMES } from '@flowstack/vault/paths';
import type { z } from 'zod';

const { msList, port, positiveInt, text } = fields;

/** Every key the worker reads: the shared ones, its Vault roles, consumption and retries. */
// safeExtend: overriding a shared key (REDIS_KEY_PREFIX) keeps the shared checks.
export const workerConfigSchema = commonConfigSchema.safeExtend({
  ...vaultCredsKeys(credsPathsOf(SERVICE_VAULT_NAMES.worker)),
  REDIS_KEY_PREFIX: text(
    redisKeyPrefixFor('worker'),
    'Prefix of every Redis key this process writes; its Vault-issued Redis user may touch these keys only (<base><service>:, see infra/vault).',
  ),
  HEALTH_PORT: port(3001, 'Port of the worker health and metrics server (0 = any free port).'),
  HOST: text('0.0.0.0', 'Address the health server listens on.'),
  WORKER_PREFETCH: positiveInt(
    200,
    'Unacknowledged messages the broker may hand this worker (two batches in flight by default).',
  ),
  WORKER_BATCH_SIZE: positiveInt(
    100,
    'Orders stored per transaction, capped at half of WORKER_PREFETCH so the next batch fills while one commits; 1 = one transaction per message.',
  ),
  WORKER_MAX_ATTEMPTS: positiveInt(
    5,
    'Attempts per message (first delivery included) before it is dead-lettered.',
  ),
  WORKER_RETRY_DELAYS_MS: msList(
    '1000,5000,30000',
    'Delay before each retry; the last value repeats for later attempts.',
  ),
  CACHE_TTL_SECONDS: positiveInt(60, 'Lifetime of cached entries the worker writes.'),
});

export type WorkerConfig = z.output<typeof workerConfigSchema>;
