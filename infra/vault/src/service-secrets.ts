import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { VaultService } from '@flowstack/vault/paths';
import { BootstrapError } from './bootstrap-error.js';
import { vaultErrorText, type VaultHttp } from './vault-http.js';

/**
 * Fields the bootstrap generates in a service's KV v2 config secret when they are missing, and
 * never overwrites; a service not named here (one added with `npm run new:service`) gets none. `order_id_secret`: the HMAC key the api derives order ids from (decision 002);
 * every api instance reads the same one, and changing it would give a retried key a new row.
 */
export const GENERATED_KV_FIELDS: Readonly<
  Partial<Record<VaultService, Readonly<Record<string, () => string>>>>
> = {
  api: { order_id_secret: () => randomBytes(32).toString('base64') },
  worker: {},
};

const kvV2Read = z.object({
  data: z.record(z.string(), z.unknown()).nullish(),
  metadata: z.object({ version: z.number().int() }).loose(),
});

export type SecretOutcome =
  { outcome: 'created' | 'unchanged' } | { outcome: 'updated'; added: string[] };

/**
 * Creates the secret (check-and-set 0: only if it does not exist) with the generated fields, or
 * adds the missing ones with check-and-set on the version read, so an operator's concurrent
 * write is never overwritten (the run fails instead and can be repeated). Values never leave
 * this function: the outcome names fields only.
 */
export async function ensureServiceSecret(
  vault: VaultHttp,
  path: string,
  generated: Readonly<Record<string, () => string>>,
): Promise<SecretOutcome> {
  const fresh = (names: readonly string[]) =>
    Object.fromEntries(names.map((name) => [name, generated[name]!()]));
  const current = await vault.read(path);
  if (current === undefined) {
    const reply = await vault.request('POST', path, {
      options: { cas: 0 },
      data: fresh(Object.keys(generated)),
    });
    if (reply.status === 200 || reply.status === 204) return { outcome: 'created' };
    throw new BootstrapError(`POST ${path}: ${vaultErrorText(reply.body)}`, reply.status);
  }
  const read = kvV2Read.parse(current);
  const data = read.data ?? {};
  const missing = Object.keys(generated).filter((name) => typeof data[name] !== 'string');
  if (missing.length === 0) return { outcome: 'unchanged' };
  const reply = await vault.request('POST', path, {
    options: { cas: read.metadata.version },
    data: { ...data, ...fresh(missing) },
  });
  if (reply.status === 200 || reply.status === 204) return { outcome: 'updated', added: missing };
  throw new BootstrapError(
    `POST ${path}: ${vaultErrorText(reply.body)} (written meanwhile? run the bootstrap again)`,
    reply.status,
  );
}
