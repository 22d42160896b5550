import { accessSync, constants } from 'node:fs';
import { z } from 'zod';
import { bool, text } from './fields.js';

/** The data stores a process connects to, by the prefix of their keys. */
export const DATA_STORES = ['POSTGRES', 'REDIS', 'RABBITMQ'] as const;
export type DataStore = (typeof DATA_STORES)[number];

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function storeKeys<P extends DataStore>(prefix: P, what: string, serverName: string) {
  return {
    [`${prefix}_TLS`]: bool(
      false,
      `Connect to ${what} over TLS, verifying its certificate against ${prefix}_TLS_CA_FILE and its name against ${prefix}_TLS_SERVER_NAME (no credential is sent to a peer that fails either).`,
    ),
    [`${prefix}_TLS_CA_FILE`]: z
      .string()
      .min(1)
      .refine(readable, 'not a readable file')
      .optional()
      .describe(
        `PEM file of the CA that issues ${what}'s certificate (Vault PKI: <mount>/ca/pem or the issuing CA of the role). Required when ${prefix}_TLS is true.`,
      ),
    [`${prefix}_TLS_SERVER_NAME`]: text(
      serverName,
      `Name ${what}'s certificate must carry (checked whatever address discovery gives).`,
    ),
  } as Record<`${P}_TLS`, ReturnType<typeof bool>> &
    Record<`${P}_TLS_CA_FILE`, z.ZodOptional<z.ZodString>> &
    Record<`${P}_TLS_SERVER_NAME`, ReturnType<typeof text>>;
}

/** TLS to PostgreSQL, Redis and RabbitMQ: off by default, verify-full when on. */
export const dataTlsKeys = {
  ...storeKeys('POSTGRES', 'PostgreSQL', 'postgres.service.consul'),
  ...storeKeys('REDIS', 'Redis', 'redis.service.consul'),
  ...storeKeys('RABBITMQ', 'RabbitMQ', 'rabbitmq.service.consul'),
};

type DataTlsConfig = z.output<z.ZodObject<typeof dataTlsKeys>>;

/** A refinement for a service schema: TLS on needs its CA file. */
export function requireTlsCaFiles(config: DataTlsConfig, ctx: z.RefinementCtx): void {
  for (const store of DATA_STORES) {
    if (config[`${store}_TLS`] && config[`${store}_TLS_CA_FILE`] === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `required when ${store}_TLS is true`,
        path: [`${store}_TLS_CA_FILE`],
      });
    }
  }
}
