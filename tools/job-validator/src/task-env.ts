import { documentConfig } from '@flowstack/config';
import type { Task } from './job-model.js';
import type { ServiceProfile } from './service-profiles.js';

export interface TaskEnvironment {
  /** Literal values from the task's env block. */
  literal: Map<string, string>;
  /** Keys rendered by `template { env = true }` blocks (values known only at runtime). */
  rendered: Set<string>;
}

const ENV_LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/gm;

/** The environment a task starts with: its env block plus keys its env templates render. */
export function taskEnvironment(task: Task): TaskEnvironment {
  const literal = new Map<string, string>(
    Object.entries(task.env ?? {}).map(([key, value]) => [key, String(value)]),
  );
  const rendered = new Set<string>();
  for (const template of task.template) {
    if (template.env !== true || template.data === undefined) continue;
    for (const match of template.data.matchAll(ENV_LINE)) rendered.add(match[1]!);
  }
  return { literal, rendered };
}

/**
 * The value a config key takes in the task: the env block's value, else the schema default.
 * Undefined when neither sets it (or a template renders it at runtime).
 */
export function configValue(
  profile: ServiceProfile,
  env: TaskEnvironment,
  key: string,
): string | undefined {
  const literal = env.literal.get(key);
  if (literal !== undefined) return literal;
  const doc = documentConfig(profile.schema).find((entry) => entry.key === key);
  if (doc?.defaultValue === undefined) return undefined;
  const parsed: unknown = JSON.parse(doc.defaultValue);
  return typeof parsed === 'string' ? parsed : JSON.stringify(parsed);
}
