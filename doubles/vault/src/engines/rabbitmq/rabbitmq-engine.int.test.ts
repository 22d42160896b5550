import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createClock } from '../../core/clock.js';
import { createLeaseManager } from '../../core/leases.js';
import type { EngineRequest, Operation } from '../../core/types.js';
import { VaultError } from '../../core/types.js';
import { createRabbitmqEngine } from './rabbitmq-engine.js';

const MANAGEMENT_URL = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672';
const ADMIN_USER = process.env.RABBITMQ_ADMIN_USER ?? 'guest';
const ADMIN_PASSWORD = process.env.RABBITMQ_ADMIN_PASSWORD ?? 'guest';
const AMQP_PORT = 5672;

const uid = () => Math.random().toString(36).slice(2, 10);

function request(operation: Operation, path: string, body: Record<string, unknown> = {}) {
  const req: EngineRequest = {
    operation,
    mountPath: 'rabbitmq/',
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
  return req;
}

function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(7);
  header.writeUInt8(1, 0);
  header.writeUInt16BE(0, 1);
  header.writeUInt32BE(payload.length, 3);
  return Buffer.concat([header, payload, Buffer.from([0xce])]);
}

function method(classId: number, methodId: number, args: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(classId, 0);
  head.writeUInt16BE(methodId, 2);
  return frame(Buffer.concat([head, args]));
}

const shortstr = (s: string) =>
  Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
function longstr(s: string): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(Buffer.byteLength(s));
  return Buffer.concat([len, Buffer.from(s)]);
}

/**
 * A plain AMQP 0-9-1 handshake up to Connection.Open on `vhost`: resolves "opened" when the broker
 * accepts the user and the vhost, "refused" when it closes the connection instead.
 */
function amqpLogin(user: string, password: string, vhost = '/'): Promise<'opened' | 'refused'> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let buffer = Buffer.alloc(0);
    const done = (result: 'opened' | 'refused') => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(10_000, () => {
      socket.destroy();
      reject(new Error('AMQP handshake timed out'));
    });
    socket.on('error', () => done('refused'));
    socket.on('close', () => done('refused'));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 7) {
        const size = buffer.readUInt32BE(3);
        if (buffer.length < size + 8) return;
        const payload = buffer.subarray(7, 7 + size);
        buffer = buffer.subarray(size + 8);
        if (payload.length < 4) continue;
        const key = `${payload.readUInt16BE(0)}.${payload.readUInt16BE(2)}`;
        if (key === '10.10') {
          // Connection.Start -> StartOk with PLAIN credentials.
          const emptyTable = Buffer.alloc(4);
          socket.write(
            method(
              10,
              11,
              Buffer.concat([
                emptyTable,
                shortstr('PLAIN'),
                longstr(`\0${user}\0${password}`),
                shortstr('en_US'),
              ]),
            ),
          );
        } else if (key === '10.30') {
          // Connection.Tune -> TuneOk with the broker's values, then Open.
          socket.write(method(10, 31, payload.subarray(4, 12)));
          socket.write(
            method(10, 40, Buffer.concat([shortstr(vhost), shortstr(''), Buffer.from([0])])),
          );
        } else if (key === '10.41') {
          done('opened');
        } else if (key === '10.50') {
          done('refused');
        }
      }
    });
    socket.connect(AMQP_PORT, '127.0.0.1', () => {
      socket.write(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]));
    });
  });
}

async function managementUser(name: string): Promise<number> {
  const res = await fetch(`${MANAGEMENT_URL}/api/users/${encodeURIComponent(name)}`, {
    headers: {
      authorization: `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}`,
    },
  });
  await res.body?.cancel();
  return res.status;
}

async function setup(vhosts: Record<string, unknown>) {
  const clock = createClock({ manual: true });
  const leases = createLeaseManager(clock);
  const engine = createRabbitmqEngine({ mountPath: 'rabbitmq/', clock, leases, options: {} });
  await engine.handle(
    request('create', 'config/connection', {
      connection_uri: MANAGEMENT_URL,
      username: ADMIN_USER,
      password: ADMIN_PASSWORD,
    }),
  );
  await engine.handle(request('create', 'config/lease', { ttl: 600, max_ttl: 1200 }));
  const role = `app-${uid()}`;
  await engine.handle(
    request('create', `roles/${role}`, { tags: 'management', vhosts: JSON.stringify(vhosts) }),
  );
  return { clock, leases, engine, role };
}

describe('rabbitmq engine', () => {
  // RabbitMQ waits a few seconds before it closes a connection whose login failed.
  it(
    'when creds are read, then the user can open its vhost over AMQP until revoked',
    { timeout: 30_000 },
    async () => {
      const { leases, engine, role } = await setup({
        '/': { configure: '.*', write: '.*', read: '.*' },
      });
      const res = await engine.handle(request('read', `creds/${role}`));
      const { username, password } = res.data as { username: string; password: string };
      expect(res.lease?.leaseId).toMatch(new RegExp(`^rabbitmq/creds/${role}/`));
      expect(res.lease?.leaseDurationSeconds).toBe(600);
      expect(username).toMatch(/^token-[0-9a-f-]{36}$/);

      expect(await amqpLogin(username, password)).toBe('opened');
      expect(await amqpLogin(username, `${password}x`)).toBe('refused');

      await leases.revoke(res.lease!.leaseId);

      expect(await managementUser(username)).toBe(404);
      expect(await amqpLogin(username, password)).toBe('refused');
    },
  );

  it(
    'when the role grants no permission on a vhost, then opening it is refused',
    { timeout: 30_000 },
    async () => {
      const { leases, engine, role } = await setup({});
      const res = await engine.handle(request('read', `creds/${role}`));
      const { username, password } = res.data as { username: string; password: string };
      expect(await amqpLogin(username, password, '/')).toBe('refused');
      await leases.revokeAll();
    },
  );

  it('when the lease max ttl passes, then the user is deleted', async () => {
    const { clock, leases, engine, role } = await setup({
      '/': { configure: '', write: '', read: '.*' },
    });
    const res = await engine.handle(request('read', `creds/${role}`));
    const { username } = res.data as { username: string };
    expect(await managementUser(username)).toBe(200);
    clock.advance(600_000);
    await expect.poll(() => managementUser(username), { timeout: 10_000 }).toBe(404);
    await expect.poll(() => leases.size()).toBe(0);
  });

  it('when the role is unknown, then creds answer 400 unknown role', async () => {
    const { engine } = await setup({});
    const error: unknown = await engine
      .handle(request('read', 'creds/nope'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VaultError);
    expect((error as VaultError).message).toBe('unknown role: nope');
    expect((error as VaultError).status).toBe(400);
  });

  it('when vhosts is not JSON, then the role write is refused with 400', async () => {
    const { engine } = await setup({});
    const error: unknown = await engine
      .handle(request('create', `roles/bad-${uid()}`, { vhosts: '{not json' }))
      .catch((e: unknown) => e);
    expect((error as VaultError).status).toBe(400);
  });

  it('when the admin password is wrong, then writing the connection fails verification', async () => {
    const { engine } = await setup({});
    const error: unknown = await engine
      .handle(
        request('create', 'config/connection', {
          connection_uri: MANAGEMENT_URL,
          username: ADMIN_USER,
          password: 'wrong',
        }),
      )
      .catch((e: unknown) => e);
    expect((error as VaultError).status).toBe(400);
    expect((error as VaultError).message).toContain('failed to validate the connection');
  });

  it('when the connection config is read, then the password is left out', async () => {
    const { engine } = await setup({});
    const res = await engine.handle(request('read', 'config/connection'));
    expect(res.data).toMatchObject({ connection_uri: MANAGEMENT_URL, username: ADMIN_USER });
    expect(res.data).not.toHaveProperty('password');
  });
});
