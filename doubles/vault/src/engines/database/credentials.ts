import { randomInt } from 'node:crypto';
import { randomBase62 } from '../../core/ids.js';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';

function pick(charset: string): string {
  return charset[randomInt(charset.length)] ?? 'a';
}

/**
 * Vault's default password policy: 20 characters from letters, digits and `-`, with at least one
 * lowercase letter, one uppercase letter, one digit and one dash. Safe inside a SQL literal.
 */
export function generatePassword(length = 20): string {
  const all = LOWER + UPPER + DIGITS + '-';
  const chars = [pick(LOWER), pick(UPPER), pick(DIGITS), '-'];
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] ?? '', chars[i] ?? ''];
  }
  return chars.join('');
}

export interface UsernameInput {
  displayName: string;
  roleName: string;
  nowMs: number;
}

/**
 * The PostgreSQL plugin's default username_template:
 * `v-<display|truncate 8>-<role|truncate 8>-<random 20>-<unix_time>`, truncated to 63 characters.
 */
export function postgresUsername({ displayName, roleName, nowMs }: UsernameInput): string {
  const unix = Math.floor(nowMs / 1000);
  const name = `v-${displayName.slice(0, 8)}-${roleName.slice(0, 8)}-${randomBase62(20)}-${unix}`;
  return name.slice(0, 63);
}

/**
 * The Redis plugin's username: credsutil's `v_<display>_<role>_<random 20>_<unix_time>`
 * (parts truncated), upper-cased.
 */
export function redisUsername({ displayName, roleName, nowMs }: UsernameInput): string {
  const unix = Math.floor(nowMs / 1000);
  const name = `v_${displayName.slice(0, 15)}_${roleName.slice(0, 15)}_${randomBase62(20)}_${unix}`;
  return name.slice(0, 100).toUpperCase();
}

/** Go layout `2006-01-02 15:04:05-0700`, in UTC, as Vault renders `{{expiration}}`. */
export function formatExpiration(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}+0000`
  );
}
