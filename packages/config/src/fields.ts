import { z } from 'zod';

/** Field builders shared by the service schemas, so the same kind of key parses the same way. */
export const port = (fallback: number, description: string) =>
  z.coerce.number().int().min(0).max(65535).default(fallback).describe(description);

export const positiveInt = (fallback: number, description: string) =>
  z.coerce.number().int().positive().default(fallback).describe(description);

export const text = (fallback: string, description: string) =>
  z.string().min(1).default(fallback).describe(description);

export const optionalSecret = (description: string) => z.string().optional().describe(description);

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info')
  .describe('pino log level.');

export const bool = (fallback: boolean, description: string) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1')
    .describe(description);

export const msList = (fallback: string, description: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const values = value.split(',').map((part) => Number(part.trim()));
      if (values.length === 0 || values.some((n) => !Number.isInteger(n) || n < 0)) {
        ctx.addIssue({ code: 'custom', message: 'expected comma-separated non-negative integers' });
        return z.NEVER;
      }
      return values;
    })
    .describe(description);
