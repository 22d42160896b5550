import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, openVaultTarget, type VaultTarget } from './harness.js';

/**
 * The RabbitMQ secrets engine against the real broker: its management API (the
 * rabbitmq_management plugin must be enabled) and AMQP logins with the issued users.
 */
const MANAGEMENT_URL = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672';
const ADMIN_USER = process.env.RABBITMQ_ADMIN_USER ?? 'guest';
const ADMIN_PASSWORD = process.env.RABBITMQ_ADMIN_PASSWORD ?? 'guest';
const AMQP_HOST = process.env.RABBITMQ_HOST ?? '127.0.0.1';
const AMQP_PORT = Number(process.env.RABBITMQ_PORT ?? 5672);

interface Creds {
  lease_id: string;
  lease_duration: number;
  renewable: boolean;
  data: { username: string; password: string };
}

const uid = () => Math.random().toString(36).slice(2, 8);

/** Opens an AMQP connection on vhost "/" and closes it; false when the broker refuses. */
async function amqpLoginWorks(username: string, password: string): Promise<boolean> {
  try {
    const conn = await amqp.connect({
      protocol: 'amqp',
      hostname: AMQP_HOST,
      port: AMQP_PORT,
      username,
      password,
      vhost: '/',
    });
    await conn.close();
    return true;
  } catch {
    return false;
  }
}

async function managementUserStatus(name: string): Promise<number> {
  const res = await fetch(`${MANAGEMENT_URL}/api/users/${encodeURIComponent(name)}`, {
    headers: {
      authorization: `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}`,
    },
  });
  await res.body?.cancel();
  return res.status;
}

let target: VaultTarget;
let mount: string;

beforeAll(async () => {
  target = await openVaultTarget();
  mount = target.uniquePath('rabbitmq');
  await target.client.mount({ mount_point: mount, type: 'rabbitmq' });
  await target.client.write(`${mount}/config/connection`, {
    connection_uri: MANAGEMENT_URL,
    username: ADMIN_USER,
    password: ADMIN_PASSWORD,
  });
  await target.client.write(`${mount}/config/lease`, { ttl: 600, max_ttl: 1200 });
});

afterAll(async () => {
  if (target) {
    await target.client.write(`sys/leases/revoke-prefix/${mount}`, {}).catch(() => undefined);
    await target.client.unmount({ mount_point: mount }).catch(() => undefined);
    await target.close();
  }
});

describe('rabbitmq secrets engine', () => {
  it('when creds are generated, then the user can connect over AMQP until the lease is revoked', async () => {
    const role = `app-${uid()}`;
    await target.client.write(`${mount}/roles/${role}`, {
      tags: 'management',
      vhosts: JSON.stringify({ '/': { configure: '.*', write: '.*', read: '.*' } }),
    });
    const res = (await target.client.read(`${mount}/creds/${role}`)) as Creds;
    expect(res.lease_id.startsWith(`${mount}/creds/${role}/`)).toBe(true);
    expect(res.renewable).toBe(true);
    expect(res.lease_duration).toBe(600);
    expect(await amqpLoginWorks(res.data.username, res.data.password)).toBe(true);

    await target.client.revoke({ lease_id: res.lease_id });

    expect(await managementUserStatus(res.data.username)).toBe(404);
    expect(await amqpLoginWorks(res.data.username, res.data.password)).toBe(false);
  });

  it('when the lease is renewed past the lease max_ttl, then it is capped', async () => {
    const role = `app-${uid()}`;
    await target.client.write(`${mount}/roles/${role}`, {
      vhosts: JSON.stringify({ '/': { configure: '', write: '', read: '.*' } }),
    });
    const res = (await target.client.read(`${mount}/creds/${role}`)) as Creds;
    const renewed = (await target.client.renew({ lease_id: res.lease_id, increment: 7200 })) as {
      lease_duration: number;
    };
    expect(renewed.lease_duration).toBeLessThanOrEqual(1200);
    expect(renewed.lease_duration).toBeGreaterThan(1100);
    await target.client.revoke({ lease_id: res.lease_id });
  });

  it('when a role is read, then its tags come back', async () => {
    const role = `app-${uid()}`;
    await target.client.write(`${mount}/roles/${role}`, {
      tags: 'management',
      vhosts: JSON.stringify({ '/': { configure: '.*', write: '.*', read: '.*' } }),
    });
    const res = (await target.client.read(`${mount}/roles/${role}`)) as {
      data: { tags: string };
    };
    expect(res.data.tags).toBe('management');
  });

  it('when creds are asked for an unknown role, then 400 unknown role', async () => {
    const failure = await failureOf(target.client.read(`${mount}/creds/no-such-role`));
    expect(failure.response?.statusCode).toBe(400);
    expect(failure.message).toBe('unknown role: no-such-role');
  });
});
