import type { z } from 'zod';
import { markdownTable } from './markdown-table.js';

export type Env = Record<string, string | undefined>;

export interface ConfigProblem {
  key: string;
  message: string;
  description: string | undefined;
}

/** Thrown when the environment does not satisfy a service's schema; lists every bad key. */
export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `Invalid configuration for ${service}:\n` +
        problems
          .map((p) => `  ${p.key}: ${p.message}${p.description ? ` (${p.description})` : ''}`)
          .join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment once, before any connection opens. The rest of the code receives the
 * typed result and never reads process.env itself.
 */
export function loadConfig<S extends z.ZodObject>(
  service: string,
  schema: S,
  env: Env = process.env,
): z.output<S> {
  const result = parseConfig(schema, env);
  if (result.success) return result.data;
  throw new ConfigError(service, result.problems);
}

/** What loadConfig would refuse, one entry per bad key, without throwing ([] when it loads). */
export function configProblems(schema: z.ZodObject, env: Env): ConfigProblem[] {
  const result = parseConfig(schema, env);
  return result.success ? [] : result.problems;
}

function parseConfig<S extends z.ZodObject>(
  schema: S,
  env: Env,
): { success: true; data: z.output<S> } | { success: false; problems: ConfigProblem[] } {
  const known = Object.fromEntries(
    Object.keys(schema.shape).map((key) => [key, emptyToUndefined(env[key])]),
  );
  const result = schema.safeParse(known);
  if (result.success) return { success: true, data: result.data };
  const problems = result.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '(root)');
    return { key, message: issue.message, description: describeKey(schema, key) };
  });
  return { success: false, problems };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function describeKey(schema: z.ZodObject, key: string): string | undefined {
  const field = schema.shape[key] as z.ZodType | undefined;
  return field?.description;
}

export interface ConfigKeyDoc {
  key: string;
  description: string;
  defaultValue: string | undefined;
  required: boolean;
  secret: boolean;
}

const SECRET_KEY = /PASSWORD|TOKEN|SECRET/;

/** One row per key, for READMEs and for checks that every key is documented. */
export function documentConfig(schema: z.ZodObject): ConfigKeyDoc[] {
  return Object.entries(schema.shape).map(([key, field]) => {
    const type = field as z.ZodType;
    const parsed = type.safeParse(undefined);
    const required = !parsed.success;
    const defaultValue =
      parsed.success && parsed.data !== undefined ? JSON.stringify(parsed.data) : undefined;
    return {
      key,
      description: type.description ?? '',
      defaultValue: SECRET_KEY.test(key) ? undefined : defaultValue,
      required,
      secret: SECRET_KEY.test(key),
    };
  });
}

/** A markdown table of the schema, as written into each service's README. */
export function renderConfigTable(schema: z.ZodObject): string {
  return markdownTable(
    ['key', 'default', 'description'],
    documentConfig(schema).map((doc) => [
      `\`${doc.key}\``,
      doc.required
        ? 'required'
        : doc.defaultValue === undefined
          ? '(unset)'
          : `\`${doc.defaultValue}\``,
      doc.description,
    ]),
  );
}
