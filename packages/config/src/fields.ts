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

/** One `host:port` node of a broker list; an IPv6 host is bracketed (`[::1]:5672`). */
export interface BrokerNode {
  host: string;
  port: number;
}

const NODE_PATTERN = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+)):(\d{1,5})$/;

/** Parses `host:port` or `[v6]:port`; undefined when the entry is not one. */
export function parseBrokerNode(entry: string): BrokerNode | undefined {
  const match = NODE_PATTERN.exec(entry.trim());
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

/** Optional comma-separated `host:port` list; every bad entry is named in the config error. */
export const brokerList = (description: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx): BrokerNode[] | undefined => {
      if (value === undefined || value.trim() === '') return undefined;
      const entries = value.split(',').map((entry) => entry.trim());
      const bad = entries.filter((entry) => parseBrokerNode(entry) === undefined);
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `expected comma-separated host:port entries (port 1-65535, IPv6 as [addr]:port); bad: ${bad
            .map((entry) => JSON.stringify(entry))
            .join(', ')}`,
        });
        return z.NEVER;
      }
      const nodes = entries.map((entry) => parseBrokerNode(entry) as BrokerNode);
      const seen = new Set<string>();
      for (const node of nodes) {
        const key = `${node.host}:${node.port}`;
        if (seen.has(key)) {
          ctx.addIssue({ code: 'custom', message: `${key} is listed twice` });
          return z.NEVER;
        }
        seen.add(key);
      }
      return nodes;
    })
    .describe(description);
