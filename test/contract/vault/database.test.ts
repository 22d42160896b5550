import { pgAuthCluster, type PgAuthCluster } from '@flowstack/test-kit';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, openVaultTarget, type VaultTarget } from './harness.js';

/**
 * The database secrets engine against real PostgreSQL (the password-checking cluster from
 * scripts/pg-auth-cluster.sh) and Redis. Run against a real Vault, the databases must be reachable
 * from it at the same addresses.
 */
const REDIS_HOST = process.env.REDIS_HOST ?? '127.0.0.1';
const REDIS_PORT = Number(process.env.REDIS_PORT ?? 6379);

interface Creds {
  lease_id: string;
  lease_duration: number;
  renewable: boolean;
  data: { username: string; password: string };
}

const uid = () => Math.random().toString(36).slice(2, 8);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let target: VaultTarget;
let cluster: PgAuthCluster;
let admin: pg.Pool;
let mount: string;
const pgDb = 'pg';
const redisDb = 'redis';

async function loginWorks(username: string, password: string): Promise<boolean> {
  const client = new pg.Client({
    host: cluster.host,
    port: cluster.port,
    user: username,
    password,
    database: cluster.database,
    connectionTimeoutMillis: 10_000,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function validUntil(username: string): Promise<Date | null | undefined> {
  const res = await admin.query<{ rolvaliduntil: Date | null }>(
    'SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1',
    [username],
  );
  return res.rows[0]?.rolvaliduntil;
}

async function createRole(body: Record<string, unknown>): Promise<string> {
  const role = `app-${uid()}`;
  await target.client.write(`${mount}/roles/${role}`, {
    db_name: pgDb,
    creation_statements: [
      `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
    ],
    default_ttl: '1h',
    max_ttl: '2h',
    ...body,
  });
  return role;
}

async function creds(role: string): Promise<Creds> {
  return (await target.client.generateDatabaseCredentials({
    databasePath: mount,
    name: role,
  })) as Creds;
}

beforeAll(async () => {
  cluster = pgAuthCluster();
  admin = new pg.Pool({ ...cluster, max: 2 });
  target = await openVaultTarget();
  mount = target.uniquePath('database');
  await target.client.mount({ mount_point: mount, type: 'database' });
  await target.client.write(`${mount}/config/${pgDb}`, {
    plugin_name: 'postgresql-database-plugin',
    connection_url: `postgresql://{{username}}:{{password}}@${cluster.host}:${cluster.port}/${cluster.database}?sslmode=disable`,
    username: cluster.user,
    password: cluster.password,
    allowed_roles: 'app-*',
  });
  await target.client.write(`${mount}/config/${redisDb}`, {
    plugin_name: 'redis-database-plugin',
    host: REDIS_HOST,
    port: REDIS_PORT,
    username: process.env.REDIS_USERNAME ?? 'default',
    password: process.env.REDIS_PASSWORD ?? 'unused-by-a-nopass-default-user',
    allowed_roles: '*',
  });
});

afterAll(async () => {
  if (target) {
    await target.client.write(`sys/leases/revoke-prefix/${mount}`, {}).catch(() => undefined);
    await target.client.unmount({ mount_point: mount }).catch(() => undefined);
    await target.close();
  }
  await admin?.end();
});

describe('database secrets engine, PostgreSQL', () => {
  it('when creds are generated, then the lease is renewable for default_ttl and the user can log in', async () => {
    const role = await createRole({});
    const res = await creds(role);
    expect(res.lease_id.startsWith(`${mount}/creds/${role}/`)).toBe(true);
    expect(res.renewable).toBe(true);
    expect(res.lease_duration).toBe(3600);
    expect(await loginWorks(res.data.username, res.data.password)).toBe(true);
    expect(await loginWorks(res.data.username, `${res.data.password}x`)).toBe(false);
  });

  it('when the lease is renewed, then VALID UNTIL moves later', async () => {
    const role = await createRole({});
    const res = await creds(role);
    const before = await validUntil(res.data.username);

    const renewed = (await target.client.renew({ lease_id: res.lease_id, increment: 5400 })) as {
      lease_id: string;
      lease_duration: number;
    };

    expect(renewed.lease_id).toBe(res.lease_id);
    expect(renewed.lease_duration).toBe(5400);
    const after = await validUntil(res.data.username);
    expect(after!.getTime() - before!.getTime()).toBeGreaterThan(1700_000);
  });

  it('when a renewal asks past max_ttl, then it is capped and warned about', async () => {
    const role = await createRole({ default_ttl: 600, max_ttl: 1200 });
    const res = await creds(role);
    const renewed = (await target.client.renew({ lease_id: res.lease_id, increment: 7200 })) as {
      lease_duration: number;
      warnings: string[] | null;
    };
    expect(renewed.lease_duration).toBeLessThanOrEqual(1200);
    expect(renewed.lease_duration).toBeGreaterThan(1100);
    expect(renewed.warnings?.join(' ')).toContain('capped');
  });

  it('when the lease is revoked, then the user cannot log in, the role is gone and renew fails', async () => {
    const role = await createRole({});
    const res = await creds(role);
    await target.client.revoke({ lease_id: res.lease_id });

    expect(await loginWorks(res.data.username, res.data.password)).toBe(false);
    expect(await validUntil(res.data.username)).toBeUndefined();
    const error = await failureOf(target.client.renew({ lease_id: res.lease_id, increment: 60 }));
    expect(error.response?.statusCode).toBe(400);
    expect(error.message).toMatch(/lease not found|lease expired|invalid lease/);
  });

  it('when max_ttl passes, then the lease expires and the role is dropped', async () => {
    const role = await createRole({ default_ttl: 2, max_ttl: 4 });
    const res = await creds(role);
    expect(await loginWorks(res.data.username, res.data.password)).toBe(true);
    await sleep(1000);
    await target.client.renew({ lease_id: res.lease_id, increment: 60 });

    await expect
      .poll(() => validUntil(res.data.username), { timeout: 20_000, interval: 250 })
      .toBeUndefined();
    expect(await loginWorks(res.data.username, res.data.password)).toBe(false);
    const error = await failureOf(target.client.renew({ lease_id: res.lease_id, increment: 60 }));
    expect(error.response?.statusCode).toBe(400);
  });

  it('when the connection config is read, then the password is not returned', async () => {
    const res = (await target.client.read(`${mount}/config/${pgDb}`)) as {
      data: { plugin_name: string; connection_details: Record<string, unknown> };
    };
    expect(res.data.plugin_name).toBe('postgresql-database-plugin');
    expect(res.data.connection_details.username).toBe(cluster.user);
    expect(res.data.connection_details).not.toHaveProperty('password');
  });

  it('when a role is read, then its ttls come back in seconds', async () => {
    const role = await createRole({ default_ttl: '30m', max_ttl: '1h' });
    const res = (await target.client.read(`${mount}/roles/${role}`)) as {
      data: { db_name: string; default_ttl: number; max_ttl: number };
    };
    expect(res.data).toMatchObject({ db_name: pgDb, default_ttl: 1800, max_ttl: 3600 });
    const list = (await target.client.list(`${mount}/roles`)) as { data: { keys: string[] } };
    expect(list.data.keys).toContain(role);
  });

  it('when creds are asked for an unknown role, then 400 unknown role', async () => {
    const error = await failureOf(creds('no-such-role'));
    expect(error.response?.statusCode).toBe(400);
    expect(error.message).toBe('unknown role: no-such-role');
  });

  it('when the role is not in allowed_roles, then creds are refused', async () => {
    const role = `other-${uid()}`;
    await target.client.write(`${mount}/roles/${role}`, {
      db_name: pgDb,
      creation_statements: `CREATE ROLE "{{name}}";`,
    });
    const error = await failureOf(creds(role));
    expect(error.message).toContain('is not an allowed role');
  });
});

describe('database secrets engine, Redis', () => {
  async function connect(username?: string, password?: string) {
    const client = new Redis({
      host: REDIS_HOST,
      port: REDIS_PORT,
      ...(username ? { username, password } : { password: process.env.REDIS_PASSWORD }),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  it('when creds are generated, then the ACL user runs allowed commands only, until revoked', async () => {
    const role = `cache-${uid()}`;
    await target.client.write(`${mount}/roles/${role}`, {
      db_name: redisDb,
      creation_statements: [JSON.stringify(['+@read', '~cache:*'])],
      default_ttl: 300,
      max_ttl: 600,
    });
    const res = (await target.client.read(`${mount}/creds/${role}`)) as Creds;
    const user = await connect(res.data.username, res.data.password);
    expect(await user.get(`cache:${uid()}`)).toBeNull();
    await expect(user.set(`cache:${uid()}`, 'x')).rejects.toThrow(/NOPERM/);
    await expect(user.get(`other:${uid()}`)).rejects.toThrow(/NOPERM/);
    user.disconnect();

    await target.client.revoke({ lease_id: res.lease_id });

    const probe = await connect();
    await expect(probe.call('AUTH', res.data.username, res.data.password)).rejects.toThrow(
      /WRONGPASS/,
    );
    probe.disconnect();
  });
});
