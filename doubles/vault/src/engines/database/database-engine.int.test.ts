import { pgAuthCluster, type PgAuthCluster } from '@flowstack/test-kit';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClock } from '../../core/clock.js';
import { createLeaseManager } from '../../core/leases.js';
import type { EngineRequest, EngineResponse, Operation, SecretEngine } from '../../core/types.js';
import { VaultError } from '../../core/types.js';
import { createDatabaseEngine } from './database-engine.js';

const uid = () => Math.random().toString(36).slice(2, 10);

function request(
  operation: Operation,
  path: string,
  body: Record<string, unknown> = {},
): EngineRequest {
  return {
    operation,
    mountPath: 'database/',
    path,
    body,
    query: new URLSearchParams(),
    token: {
      id: 'test-token',
      accessor: 'test-accessor',
      policies: ['root'],
      displayName: 'token',
      meta: {},
      entityAliasMetadata: {},
      expiresAt: undefined,
    },
  };
}

async function tryLogin(cluster: PgAuthCluster, user: string, password: string) {
  const client = new pg.Client({
    host: cluster.host,
    port: cluster.port,
    user,
    password,
    database: cluster.database,
    connectionTimeoutMillis: 10_000,
  });
  try {
    await client.connect();
    const res = await client.query<{ current_user: string }>('SELECT current_user');
    return { ok: true as const, user: res.rows[0]?.current_user, client };
  } catch (error) {
    await client.end().catch(() => undefined);
    return { ok: false as const, error: (error as Error).message };
  }
}

async function errorOf(promise: Promise<unknown>): Promise<VaultError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VaultError);
  return error as VaultError;
}

describe('database engine, PostgreSQL plugin', () => {
  let cluster: PgAuthCluster;
  let admin: pg.Pool;

  beforeAll(() => {
    cluster = pgAuthCluster();
    admin = new pg.Pool({
      host: cluster.host,
      port: cluster.port,
      user: cluster.user,
      password: cluster.password,
      database: cluster.database,
      max: 2,
    });
  });

  afterAll(async () => {
    await admin.end();
  });

  const validUntil = async (name: string): Promise<Date | null | undefined> => {
    const res = await admin.query<{ rolvaliduntil: Date | null }>(
      'SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1',
      [name],
    );
    return res.rows[0]?.rolvaliduntil;
  };

  async function setup(roleBody: Record<string, unknown> = {}) {
    const clock = createClock({ manual: true });
    const leases = createLeaseManager(clock);
    const engine = createDatabaseEngine({ mountPath: 'database/', clock, leases, options: {} });
    const db = `pg-${uid()}`;
    const role = `app-${uid()}`;
    await engine.handle(
      request('create', `config/${db}`, {
        plugin_name: 'postgresql-database-plugin',
        connection_url: `postgresql://{{username}}:{{password}}@${cluster.host}:${cluster.port}/${cluster.database}`,
        username: cluster.user,
        password: cluster.password,
        allowed_roles: [role],
      }),
    );
    await engine.handle(
      request('create', `roles/${role}`, {
        db_name: db,
        creation_statements: [
          `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
        ],
        default_ttl: '1h',
        max_ttl: '2h',
        ...roleBody,
      }),
    );
    return { clock, leases, engine, db, role };
  }

  async function creds(engine: SecretEngine, role: string) {
    const res: EngineResponse = await engine.handle(request('read', `creds/${role}`));
    const data = res.data as { username: string; password: string };
    return { res, ...data };
  }

  it('when creds are read, then a real role with a password and VALID UNTIL can log in', async () => {
    const { clock, leases, engine, role } = await setup();
    const { res, username, password } = await creds(engine, role);

    expect(res.lease?.leaseId).toMatch(new RegExp(`^database/creds/${role}/`));
    expect(res.lease?.leaseDurationSeconds).toBe(3600);
    expect(res.lease?.renewable).toBe(true);
    expect(username).toMatch(/^v-token-app-/);
    expect(username.length).toBeLessThanOrEqual(63);
    expect(password).toMatch(/^[A-Za-z0-9-]{20}$/);

    const login = await tryLogin(cluster, username, password);
    expect(login.ok && login.user).toBe(username);
    if (login.ok) await login.client.end();
    const wrong = await tryLogin(cluster, username, `${password}x`);
    expect(wrong.ok).toBe(false);
    const until = await validUntil(username);
    expect(Math.abs((until?.getTime() ?? 0) - (clock.now() + 3605_000))).toBeLessThan(2_000);

    await leases.revokeAll();
    await engine.close();
  });

  it('when the lease is renewed, then VALID UNTIL moves to the new expiry', async () => {
    const { clock, leases, engine, role } = await setup();
    const { res, username } = await creds(engine, role);
    const before = await validUntil(username);
    clock.advance(600_000);

    const renewed = await leases.renew(res.lease!.leaseId, 3600);

    const after = await validUntil(username);
    expect(renewed.lease.leaseDurationSeconds).toBe(3600);
    expect(after!.getTime()).toBeGreaterThan(before!.getTime());
    expect(Math.abs(after!.getTime() - (clock.now() + 3600_000))).toBeLessThan(2_000);

    await leases.revokeAll();
    await engine.close();
  });

  it('when the lease is revoked, then open sessions end, login fails and the role is gone', async () => {
    const { leases, engine, role } = await setup({
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
        `GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}"`,
      ],
    });
    const { res, username, password } = await creds(engine, role);
    const session = await tryLogin(cluster, username, password);
    expect(session.ok).toBe(true);
    const ended = new Promise<void>((resolve) => {
      if (session.ok) session.client.on('error', () => resolve());
    });

    await leases.revoke(res.lease!.leaseId);

    await ended;
    if (session.ok) await session.client.end().catch(() => undefined);
    expect(await validUntil(username)).toBeUndefined();
    const login = await tryLogin(cluster, username, password);
    expect(login.ok).toBe(false);
    await engine.close();
  });

  it('when the max ttl passes on the clock, then the lease expires and the role is dropped', async () => {
    const { clock, leases, engine, role } = await setup({ default_ttl: 60, max_ttl: 90 });
    const { res, username, password } = await creds(engine, role);
    clock.advance(50_000);
    const renewed = await leases.renew(res.lease!.leaseId, 60);
    expect(renewed.lease.leaseDurationSeconds).toBe(40);
    expect(renewed.warnings[0]).toContain('capped accordingly');

    clock.advance(40_000);

    await expect.poll(() => validUntil(username), { timeout: 10_000 }).toBeUndefined();
    expect((await tryLogin(cluster, username, password)).ok).toBe(false);
    expect(leases.size()).toBe(0);
    await engine.close();
  });

  it('when custom revocation statements are set, then they run instead of the default', async () => {
    const { leases, engine, role } = await setup({
      revocation_statements: `ALTER ROLE "{{name}}" NOLOGIN; DROP ROLE IF EXISTS "{{name}}";`,
    });
    const { res, username } = await creds(engine, role);
    await leases.revoke(res.lease!.leaseId);
    expect(await validUntil(username)).toBeUndefined();
    await engine.close();
  });

  it('when the dynamic user owns a table, then revoke still drops the role', async () => {
    const { leases, engine, role } = await setup({
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
        `GRANT CREATE ON SCHEMA public TO "{{name}}"`,
      ],
    });
    const { res, username, password } = await creds(engine, role);
    const session = await tryLogin(cluster, username, password);
    if (!session.ok) throw new Error(session.error);
    await session.client.query(`CREATE TABLE "owned_${uid()}" (id int)`);
    await session.client.end();

    await leases.revoke(res.lease!.leaseId);

    expect(await validUntil(username)).toBeUndefined();
    await engine.close();
  });

  it('when the config is read, then the password is left out', async () => {
    const { engine, db } = await setup();
    const res = await engine.handle(request('read', `config/${db}`));
    const data = res.data as { connection_details: Record<string, unknown>; plugin_name: string };
    expect(data.plugin_name).toBe('postgresql-database-plugin');
    expect(data.connection_details.username).toBe(cluster.user);
    expect(data.connection_details).not.toHaveProperty('password');
    expect(JSON.stringify(res.data)).not.toContain(cluster.password);
    await engine.close();
  });

  it('when a role is read, then ttls are integers of seconds and statements are lists', async () => {
    const { engine, role } = await setup();
    const res = await engine.handle(request('read', `roles/${role}`));
    expect(res.data).toMatchObject({ default_ttl: 3600, max_ttl: 7200 });
    expect(Array.isArray((res.data as { creation_statements: unknown }).creation_statements)).toBe(
      true,
    );
    const list = await engine.handle(request('list', 'roles/'));
    expect(list.data).toEqual({ keys: [role] });
    await engine.close();
  });

  it('when the role is unknown, then creds answer 400 unknown role', async () => {
    const { engine } = await setup();
    const error = await errorOf(engine.handle(request('read', 'creds/nope')));
    expect(error.status).toBe(400);
    expect(error.message).toBe('unknown role: nope');
    await engine.close();
  });

  it('when the role is not in allowed_roles, then creds are refused', async () => {
    const { engine, db } = await setup();
    const other = `other-${uid()}`;
    await engine.handle(
      request('create', `roles/${other}`, {
        db_name: db,
        creation_statements: `CREATE ROLE "{{name}}"`,
      }),
    );
    const error = await errorOf(engine.handle(request('read', `creds/${other}`)));
    expect(error.message).toBe(`"${other}" is not an allowed role`);
    await engine.close();
  });

  it('when the root password is wrong, then writing the config fails verification', async () => {
    const { engine } = await setup();
    const error = await errorOf(
      engine.handle(
        request('create', `config/bad-${uid()}`, {
          plugin_name: 'postgresql-database-plugin',
          connection_url: `postgresql://{{username}}:{{password}}@${cluster.host}:${cluster.port}/${cluster.database}`,
          username: cluster.user,
          password: 'not-the-password',
        }),
      ),
    );
    expect(error.status).toBe(400);
    expect(error.message).toContain('error creating database object');
    await engine.close();
  });

  it('when a role has no db_name, then it is refused', async () => {
    const { engine } = await setup();
    const error = await errorOf(
      engine.handle(request('create', `roles/x-${uid()}`, { creation_statements: 'SELECT 1' })),
    );
    expect(error.status).toBe(400);
    expect(error.message).toBe('empty database name attribute');
    await engine.close();
  });
});

describe('database engine, Redis plugin', () => {
  const redisHost = '127.0.0.1';
  const redisPort = 6379;

  async function setup(rules: string[]) {
    const clock = createClock({ manual: true });
    const leases = createLeaseManager(clock);
    const engine = createDatabaseEngine({ mountPath: 'database/', clock, leases, options: {} });
    const db = `redis-${uid()}`;
    const role = `cache-${uid()}`;
    await engine.handle(
      request('create', `config/${db}`, {
        plugin_name: 'redis-database-plugin',
        host: redisHost,
        port: redisPort,
        username: 'default',
        password: process.env.REDIS_PASSWORD ?? 'unused-by-a-nopass-default-user',
        allowed_roles: '*',
      }),
    );
    await engine.handle(
      request('create', `roles/${role}`, {
        db_name: db,
        creation_statements: [JSON.stringify(rules)],
        default_ttl: 300,
        max_ttl: 600,
      }),
    );
    return { leases, engine, role };
  }

  async function connectAs(username: string, password: string) {
    const client = new Redis({
      host: redisHost,
      port: redisPort,
      username,
      password: username === 'default' ? process.env.REDIS_PASSWORD : password,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  it('when creds are read, then the ACL user can read allowed keys and nothing else', async () => {
    const { leases, engine, role } = await setup(['+@read', '~cache:*']);
    const res = await engine.handle(request('read', `creds/${role}`));
    const { username, password } = res.data as { username: string; password: string };
    expect(username).toMatch(/^V_TOKEN_CACHE-/);

    const user = await connectAs(username, password);
    expect(await user.get(`cache:${uid()}`)).toBeNull();
    await expect(user.set(`cache:${uid()}`, 'x')).rejects.toThrow(/NOPERM/);
    await expect(user.get(`other:${uid()}`)).rejects.toThrow(/NOPERM/);

    await leases.revoke(res.lease!.leaseId);
    await expect.poll(() => user.status).not.toBe('ready');
    user.disconnect();
    const probe = await connectAs('default', 'unused');
    await expect(probe.call('AUTH', username, password)).rejects.toThrow(/WRONGPASS/);
    probe.disconnect();
    await engine.close();
  });

  it('when a role has no rules, then the user is read-only on all keys', async () => {
    const { leases, engine, role } = await setup([]);
    await engine.handle(request('update', `roles/${role}`, { creation_statements: [] }));
    const res = await engine.handle(request('read', `creds/${role}`));
    const { username, password } = res.data as { username: string; password: string };
    const user = await connectAs(username, password);
    expect(await user.get(`any:${uid()}`)).toBeNull();
    await expect(user.set(`any:${uid()}`, 'x')).rejects.toThrow(/NOPERM/);
    user.disconnect();
    await leases.revokeAll();
    await engine.close();
  });
});
