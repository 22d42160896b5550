import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { createDatabase, type Database } from '@flowstack/db';
import { createLogger } from '@flowstack/observability';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_AUTH } from './local-vault.js';
import { claimScratchFolder, SCRATCH_PREFIX, sweepLeftovers } from './leftovers.js';

/**
 * Against the machine's Redis (6379, default user) and the password-checking PostgreSQL (5433):
 * this test's own users, roles and folders only, named uniquely; the sweep also removes real
 * leftovers of killed stacks, which is its job.
 */
const DAY_SECONDS = 24 * 3600;
const now = Math.floor(Date.now() / 1000);
const suffix = () => randomBytes(6).toString('hex').toUpperCase();
const redisUser = (issuedAt: number) => `V_LEFTOVER_TEST_${suffix()}_${issuedAt}`;
const pgRole = () => `v-leftover-test-${randomUUID().slice(0, 8)}`;

const logger = createLogger({ service: 'leftovers-test', level: 'silent' });
let redis: Redis;
let admin: Database;
let root: string;

beforeAll(async () => {
  redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await redis.connect();
  admin = await createDatabase({
    host: PG_AUTH.host,
    port: PG_AUTH.port,
    database: 'postgres',
    credentials: createStaticCredentialSource({
      username: PG_AUTH.adminUser,
      password: PG_AUTH.adminPassword,
    }),
    logger,
  });
  root = await mkdtemp(join(tmpdir(), 'leftover-test-'));
});

afterAll(async () => {
  redis?.disconnect();
  await admin?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

async function userExists(name: string): Promise<boolean> {
  return (await redis.acl('USERS')).includes(name);
}

async function roleExists(name: string): Promise<boolean> {
  const { rowCount } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  return rowCount === 1;
}

async function folderExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('sweepLeftovers', () => {
  it("when earlier stacks left leased users, expired roles and folders, then exactly those are removed and a running stack's are kept", async () => {
    const oldUser = redisUser(now - DAY_SECONDS - 60);
    const liveUser = redisUser(now - 60);
    for (const name of [oldUser, liveUser]) {
      await redis.acl('SETUSER', name, 'on', `>${randomUUID()}`, '~leftover-test:*', '+get');
    }
    const expiredRole = pgRole();
    const liveRole = pgRole();
    await admin.query(`CREATE ROLE "${expiredRole}" LOGIN VALID UNTIL '2000-01-01'`);
    await admin.query(
      `CREATE ROLE "${liveRole}" LOGIN VALID UNTIL '${new Date(Date.now() + 3_600_000).toISOString()}'`,
    );
    const dead = join(root, `${SCRATCH_PREFIX}dead`);
    const running = join(root, `${SCRATCH_PREFIX}running`);
    const ownerlessOld = join(root, `${SCRATCH_PREFIX}old`);
    const ownerlessFresh = join(root, `${SCRATCH_PREFIX}fresh`);
    const unrelated = join(root, 'not-ours');
    for (const dir of [dead, running, ownerlessOld, ownerlessFresh, unrelated]) {
      await mkdir(join(dir, 'api', 'secrets'), { recursive: true });
      await writeFile(join(dir, 'api', 'secrets', 'nomad_token'), 'jwt');
    }
    // A pid that no process has: above the kernel's pid_max.
    await writeFile(join(dead, 'owner.json'), JSON.stringify({ pid: 2 ** 22 + 1 }));
    await claimScratchFolder(running);
    const longAgo = new Date(Date.now() - (DAY_SECONDS + 60) * 1000);
    await utimes(ownerlessOld, longAgo, longAgo);

    try {
      const swept = await sweepLeftovers({
        postgres: {
          host: PG_AUTH.host,
          port: PG_AUTH.port,
          user: PG_AUTH.adminUser,
          password: PG_AUTH.adminPassword,
        },
        redis: { host: '127.0.0.1', port: 6379, username: 'default', password: 'unused' },
        maxCredentialAgeSeconds: DAY_SECONDS,
        scratchRoot: root,
        logger,
      });

      expect([await userExists(oldUser), await userExists(liveUser)]).toEqual([false, true]);
      expect([await roleExists(expiredRole), await roleExists(liveRole)]).toEqual([false, true]);
      expect({
        dead: await folderExists(dead),
        running: await folderExists(running),
        ownerlessOld: await folderExists(ownerlessOld),
        ownerlessFresh: await folderExists(ownerlessFresh),
        unrelated: await folderExists(unrelated),
      }).toEqual({
        dead: false,
        running: true,
        ownerlessOld: false,
        ownerlessFresh: true,
        unrelated: true,
      });
      expect(swept.redisUsers).toBeGreaterThanOrEqual(1);
      expect(swept.postgresRoles).toBeGreaterThanOrEqual(1);
      expect(swept.scratchFolders).toBe(2);
    } finally {
      await redis.acl('DELUSER', oldUser, liveUser);
      await admin.query(`DROP ROLE IF EXISTS "${expiredRole}"`);
      await admin.query(`DROP ROLE IF EXISTS "${liveRole}"`);
    }
  });
});
