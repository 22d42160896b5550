import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { createDatabase } from '@flowstack/db';
import type { Logger } from '@flowstack/observability';
import { Redis } from 'ioredis';

/**
 * What earlier local stacks left behind when they were killed before revoking their leases: the
 * Vault double keeps leases in memory only, so a stack that dies hard leaves its leased users in
 * the real servers and its folder (workload JWTs, audit log) on disk. Each is removed only when
 * it provably belongs to no running stack:
 *
 * - PostgreSQL roles issued by Vault (`v-…`) whose `VALID UNTIL` has passed: nobody can log in
 *   with them any more (a live lease is renewed, which moves `VALID UNTIL`, before it expires).
 * - Redis ACL users issued by Vault (`V_…_<unix time of issue>`) older than the longest lease a
 *   local stack grants (its max TTL): Vault would have revoked them by then.
 * - Scratch folders (`flowstack-vault-*`) whose owner process is gone, or, for folders without an
 *   owner file, untouched for longer than that max TTL.
 *
 * Leased RabbitMQ users (`<display name>-<uuid>`) carry neither an issue time nor an owner, so
 * they cannot be told apart from a running stack's here; they are left alone (docs/security.md).
 */
export interface LeftoverTargets {
  postgres: { host: string; port: number; user: string; password: string };
  redis: { host: string; port: number; username: string; password: string };
  /** The longest max TTL a local stack gives its credentials, in seconds. */
  maxCredentialAgeSeconds: number;
  /** Where the scratch folders are (default: the OS temp folder). */
  scratchRoot?: string;
  now?: () => number;
  logger: Logger;
}

export interface LeftoverSweep {
  postgresRoles: number;
  redisUsers: number;
  scratchFolders: number;
}

export const SCRATCH_PREFIX = 'flowstack-vault-';
const OWNER_FILE = 'owner.json';
const VAULT_REDIS_USER = /^V_.+_(\d{9,11})$/;

/** Marks a scratch folder as belonging to this process, so a later sweep leaves it alone. */
export async function claimScratchFolder(dir: string): Promise<void> {
  await writeFile(join(dir, OWNER_FILE), JSON.stringify({ pid: process.pid }), { mode: 0o600 });
}

export async function sweepLeftovers(targets: LeftoverTargets): Promise<LeftoverSweep> {
  const now = targets.now?.() ?? Date.now();
  return {
    postgresRoles: await dropExpiredPostgresRoles(targets.postgres, targets.logger),
    redisUsers: await deleteOldRedisUsers(
      targets.redis,
      now / 1000 - targets.maxCredentialAgeSeconds,
    ),
    scratchFolders: await removeAbandonedFolders(
      targets.scratchRoot ?? tmpdir(),
      now - targets.maxCredentialAgeSeconds * 1000,
    ),
  };
}

async function dropExpiredPostgresRoles(
  target: LeftoverTargets['postgres'],
  logger: Logger,
): Promise<number> {
  const db = await createDatabase({
    host: target.host,
    port: target.port,
    database: 'postgres',
    credentials: createStaticCredentialSource({ username: target.user, password: target.password }),
    poolMax: 1,
    logger,
  });
  try {
    const { rows } = await db.query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles
        WHERE rolname LIKE 'v-%' AND rolcanlogin AND rolvaliduntil < now()`,
    );
    let dropped = 0;
    for (const { rolname } of rows) {
      try {
        await db.query(`DROP ROLE "${rolname.replace(/"/g, '""')}"`);
        dropped += 1;
      } catch {
        // Owns something or is already gone (another sweep): not a leftover to force.
      }
    }
    return dropped;
  } finally {
    await db.close();
  }
}

async function deleteOldRedisUsers(
  target: LeftoverTargets['redis'],
  issuedBeforeSeconds: number,
): Promise<number> {
  const redis = new Redis({ ...target, lazyConnect: true, maxRetriesPerRequest: 0 });
  await redis.connect();
  try {
    const users = await redis.acl('USERS');
    const old = users.filter((name) => {
      const issued = VAULT_REDIS_USER.exec(name)?.[1];
      return issued !== undefined && Number(issued) < issuedBeforeSeconds;
    });
    if (old.length === 0) return 0;
    return Number(await redis.acl('DELUSER', ...old));
  } finally {
    redis.disconnect();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerAlive(dir: string): Promise<boolean | undefined> {
  try {
    const owner = JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as { pid?: unknown };
    return typeof owner.pid === 'number' && processAlive(owner.pid);
  } catch {
    return undefined;
  }
}

async function removeAbandonedFolders(root: string, untouchedSinceMs: number): Promise<number> {
  let removed = 0;
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(SCRATCH_PREFIX)) continue;
    const dir = join(root, entry.name);
    try {
      const alive = await ownerAlive(dir);
      if (alive === true) continue;
      if (alive === undefined && (await stat(dir)).mtimeMs >= untouchedSinceMs) continue;
      await rm(dir, { recursive: true, force: true });
      removed += 1;
    } catch {
      // Another user's folder, or removed meanwhile.
    }
  }
  return removed;
}
