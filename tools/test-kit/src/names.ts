import { randomUUID } from 'node:crypto';

/** 12 hex characters: unique per test run and per test, short enough for any identifier. */
export function uniqueId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 12);
}

/**
 * `prefix` + `separator` + a unique id: every test names its own rows, queues, keys and services,
 * so tests share the machine's servers without clean-up between them. Use `_` for SQL identifiers
 * and `.` for RabbitMQ names.
 */
export function uniqueName(prefix: string, separator = '-'): string {
  return `${prefix}${separator}${uniqueId()}`;
}
