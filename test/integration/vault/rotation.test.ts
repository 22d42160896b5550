import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  rotatedUsernames,
  rotationsByPath,
  startVaultStack,
  type VaultStack,
} from './vault-stack.js';

/**
 * Rotation under load: every credential (PostgreSQL, Redis, RabbitMQ, for api and worker) has a
 * max TTL of 6 s, so each is replaced every few seconds while orders and reads keep flowing.
 */
let vault: VaultStack;
const emails: string[] = [];
let rabbitBefore: Set<string>;
let redisBefore: Set<string>;

const rabbitUsers = async () =>
  new Set(
    (
      (await (
        await fetch('http://127.0.0.1:15672/api/users', {
          headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
        })
      ).json()) as { name: string }[]
    ).map((user) => user.name),
  );
const redisUsers = async () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await redis.connect();
  try {
    return new Set((await redis.call('ACL', 'USERS')) as string[]);
  } finally {
    redis.disconnect();
  }
};
const added = (now: Set<string>, before: Set<string>) =>
  [...now].filter((name) => !before.has(name));

beforeAll(async () => {
  rabbitBefore = await rabbitUsers();
  redisBefore = await redisUsers();
  vault = await startVaultStack({ credentialTtl: '3s', credentialMaxTtl: '6s' });
}, 120_000);

afterAll(async () => {
  await vault?.close();
});

async function placeOrder(apiUrl: string): Promise<{ status: number; id: string | undefined }> {
  const email = `rot-${randomUUID().slice(0, 8)}@example.com`;
  emails.push(email);
  const response = await fetch(`${apiUrl}/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({
      customerEmail: email,
      items: [{ productId: 'hand-grinder', quantity: 1 }],
    }),
  });
  const body = (await response.json()) as { id?: string };
  return { status: response.status, id: body.id };
}

describe('credentials rotating under load', () => {
  it('when every credential is replaced at least 5 times, then no request fails and every order is stored once', async () => {
    const accepted: string[] = [];
    const failures: string[] = [];
    const enough = () => {
      const counts = rotationsByPath(vault.output);
      return counts.size >= 6 && [...counts.values()].every((count) => count >= 5);
    };
    const deadline = Date.now() + 90_000;
    const client = async () => {
      while (!enough() && Date.now() < deadline) {
        const order = await placeOrder(vault.apiUrl).catch((error: unknown) => ({
          status: 0,
          id: String(error),
        }));
        if (order.status === 202 && order.id !== undefined) accepted.push(order.id);
        else failures.push(`POST ${order.status}`);
        const read = await fetch(`${vault.apiUrl}/v1/products`).catch(() => undefined);
        if (read?.status !== 200) failures.push(`GET products ${read?.status ?? 'network'}`);
        const last = accepted[accepted.length - 1];
        if (last !== undefined) {
          const order = await fetch(`${vault.apiUrl}/v1/orders/${last}`).catch(() => undefined);
          if (order?.status !== 200) failures.push(`GET order ${order?.status ?? 'network'}`);
        }
      }
    };
    await Promise.all([client(), client(), client(), client()]);

    expect(failures).toEqual([]);
    const counts = rotationsByPath(vault.output);
    expect([...counts.keys()].sort()).toEqual([
      'api database/creds/api-cache',
      'api database/creds/api-readonly',
      'api rabbitmq/creds/api-publisher',
      'worker database/creds/worker-cache',
      'worker database/creds/worker-readwrite',
      'worker rabbitmq/creds/worker-consumer',
    ]);
    for (const count of counts.values()) expect(count).toBeGreaterThanOrEqual(5);

    // Every accepted order lands exactly once, sealed.
    const deadlineStored = Date.now() + 30_000;
    let rows: { id: string; customer_email: string }[] = [];
    while (Date.now() < deadlineStored) {
      rows = (
        await vault.admin.query<{ id: string; customer_email: string }>(
          'SELECT id, customer_email FROM orders WHERE id = ANY($1::uuid[])',
          [accepted],
        )
      ).rows;
      if (rows.length === accepted.length) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(accepted.length).toBeGreaterThan(20);
    expect(rows.length).toBe(accepted.length);
    expect(new Set(rows.map((row) => row.id)).size).toBe(accepted.length);
    for (const row of rows) expect(row.customer_email).toMatch(/^(envelope:v1:)?vault:v\d+:/);
  }, 150_000);

  it('when the stack stops, then no PostgreSQL role, Redis user or RabbitMQ user it was given is left', async () => {
    const pgUsers = rotatedUsernames(vault.output, 'db');
    const cacheUsers = rotatedUsernames(vault.output, 'cache');
    expect(cacheUsers.length).toBeGreaterThanOrEqual(8);
    expect(pgUsers.length).toBeGreaterThanOrEqual(8);
    const liveWhileRunning = await vault.admin.query<{ rolname: string }>(
      'SELECT rolname FROM pg_roles WHERE rolname = ANY($1)',
      [pgUsers],
    );
    // While running: the current user of each service plus at most one draining one.
    expect(liveWhileRunning.rows.length).toBeLessThanOrEqual(4);

    // Users that exist now and did not before: the ones in use (and any not cleaned up).
    const rabbitDuring = added(await rabbitUsers(), rabbitBefore);
    const redisDuring = added(await redisUsers(), redisBefore);
    expect(rabbitDuring.length).toBeGreaterThanOrEqual(2);
    expect(redisDuring.filter((user) => cacheUsers.includes(user)).length).toBeGreaterThanOrEqual(
      2,
    );

    const secrets = await vault.knownSecrets();
    await vault.stack.stop();

    const left = await vault.admin.query('SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [
      pgUsers,
    ]);
    expect(left.rows).toEqual([]);
    const rabbitAfter = await rabbitUsers();
    expect(rabbitDuring.filter((user) => rabbitAfter.has(user))).toEqual([]);
    const redisAfter = await redisUsers();
    expect(redisDuring.filter((user) => redisAfter.has(user))).toEqual([]);
    expect(cacheUsers.filter((user) => redisAfter.has(user))).toEqual([]);

    // No secret value and no plaintext e-mail in anything api and worker printed.
    const everything = vault.output.join('\n');
    for (const secret of [...secrets, ...emails]) expect(everything).not.toContain(secret);
    expect(everything).not.toMatch(/"password":"(?!\[redacted\])/);
    expect(everything).not.toMatch(/hvs\.[A-Za-z0-9]{10}/);
    expect(everything).not.toContain('PRIVATE KEY');
  }, 60_000);
});
