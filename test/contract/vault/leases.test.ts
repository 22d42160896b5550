import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, openVaultTarget, type VaultTarget } from './harness.js';

/**
 * sys/leases against leases of the database engine on the trusting PostgreSQL (the lease API,
 * not the login, is under test here; database.test.ts proves logins).
 */
const PG_HOST = process.env.PGHOST ?? '127.0.0.1';
const PG_PORT = Number(process.env.PGPORT ?? 5432);
const PG_USER = process.env.PGUSER ?? 'postgres';
const PG_PASSWORD = process.env.PGPASSWORD ?? 'postgres';

interface Creds {
  lease_id: string;
  lease_duration: number;
}

let target: VaultTarget;
let mount: string;
const role = 'leased';

async function creds(): Promise<Creds> {
  return (await target.client.read(`${mount}/creds/${role}`)) as Creds;
}

beforeAll(async () => {
  target = await openVaultTarget();
  mount = target.uniquePath('leases-db');
  await target.client.mount({ mount_point: mount, type: 'database' });
  await target.client.write(`${mount}/config/pg`, {
    plugin_name: 'postgresql-database-plugin',
    connection_url: `postgresql://{{username}}:{{password}}@${PG_HOST}:${PG_PORT}/postgres?sslmode=disable`,
    username: PG_USER,
    password: PG_PASSWORD,
    allowed_roles: '*',
  });
  await target.client.write(`${mount}/roles/${role}`, {
    db_name: 'pg',
    creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
    default_ttl: 300,
    max_ttl: 900,
  });
});

afterAll(async () => {
  if (target) {
    await target.client.write(`sys/leases/revoke-prefix/${mount}`, {}).catch(() => undefined);
    await target.client.unmount({ mount_point: mount }).catch(() => undefined);
    await target.close();
  }
});

describe('sys/leases', () => {
  it('when a lease is looked up, then it reports id, times, renewable and ttl', async () => {
    const lease = await creds();
    const res = (await target.client.write('sys/leases/lookup', { lease_id: lease.lease_id })) as {
      data: {
        id: string;
        issue_time: string;
        expire_time: string;
        last_renewal: string | null;
        renewable: boolean;
        ttl: number;
      };
    };
    expect(res.data.id).toBe(lease.lease_id);
    expect(res.data.renewable).toBe(true);
    expect(res.data.last_renewal).toBeNull();
    expect(res.data.ttl).toBeGreaterThan(290);
    expect(res.data.ttl).toBeLessThanOrEqual(300);
    const span = Date.parse(res.data.expire_time) - Date.parse(res.data.issue_time);
    expect(Math.abs(span - 300_000)).toBeLessThan(2_000);
  });

  it('when a lease is renewed, then lookup shows the renewal and the new ttl', async () => {
    const lease = await creds();
    const renewed = (await target.client.renew({ lease_id: lease.lease_id, increment: 600 })) as {
      lease_id: string;
      lease_duration: number;
      renewable: boolean;
    };
    expect(renewed).toMatchObject({
      lease_id: lease.lease_id,
      lease_duration: 600,
      renewable: true,
    });
    const res = (await target.client.write('sys/leases/lookup', { lease_id: lease.lease_id })) as {
      data: { last_renewal: string | null; ttl: number };
    };
    expect(res.data.last_renewal).not.toBeNull();
    expect(res.data.ttl).toBeGreaterThan(590);
  });

  it('when a renewal goes past max_ttl, then the granted ttl is capped with a warning', async () => {
    const lease = await creds();
    const renewed = (await target.client.renew({ lease_id: lease.lease_id, increment: 3600 })) as {
      lease_duration: number;
      warnings: string[] | null;
    };
    expect(renewed.lease_duration).toBeLessThanOrEqual(900);
    expect(renewed.lease_duration).toBeGreaterThan(880);
    expect(renewed.warnings?.join(' ')).toMatch(/exceeded the effective max_ttl/);
  });

  it('when a lease is revoked, then revoking again succeeds and renew answers 400', async () => {
    const lease = await creds();
    await target.client.revoke({ lease_id: lease.lease_id });
    await target.client.revoke({ lease_id: lease.lease_id });
    const error = await failureOf(target.client.renew({ lease_id: lease.lease_id, increment: 60 }));
    expect(error.response?.statusCode).toBe(400);
    expect(error.message).toBe('lease not found or lease is not renewable');
  });

  it('when an unknown lease is looked up, then 400 invalid lease', async () => {
    const error = await failureOf(
      target.client.write('sys/leases/lookup', { lease_id: `${mount}/creds/${role}/nope` }),
    );
    expect(error.response?.statusCode).toBe(400);
    expect(error.message).toBe('invalid lease');
  });

  it('when a prefix is revoked, then every lease under it is gone', async () => {
    const a = await creds();
    const b = await creds();
    await target.client.write(`sys/leases/revoke-prefix/${mount}/creds/${role}`, {});
    for (const lease of [a, b]) {
      const error = await failureOf(
        target.client.write('sys/leases/lookup', { lease_id: lease.lease_id }),
      );
      expect(error.response?.statusCode).toBe(400);
    }
  });

  it('when leases are listed under the role, then the live ones are keys', async () => {
    const lease = await creds();
    const res = (await target.client.list(`sys/leases/lookup/${mount}/creds/${role}/`)) as {
      data: { keys: string[] };
    };
    expect(res.data.keys).toContain(lease.lease_id.split('/').pop());
  });

  it('when the legacy sys/renew path is used, then it renews like sys/leases/renew', async () => {
    const lease = await creds();
    const res = (await target.client.write('sys/renew', {
      lease_id: lease.lease_id,
      increment: 120,
    })) as { lease_id: string; lease_duration: number };
    expect(res.lease_id).toBe(lease.lease_id);
    expect(res.lease_duration).toBe(120);
  });
});
