import { randomUUID } from 'node:crypto';
import { createStaticCredentialSource } from '@flowstack/credentials';
import { migrateDatabase } from '@flowstack/domain';
import { bootstrapVault, DEFAULTS, type BootstrapOptions } from '@flowstack/infra-vault';
import { createLogger } from '@flowstack/observability';
import { pathsFor } from '@flowstack/infra-vault/registry';
import { redisKeyPrefixFor, SERVICE_VAULT_NAMES } from '@flowstack/vault/paths';
import {
  assertConsumerTopology,
  deadLetterQueueName,
  movesExchangeName,
  retryQueueName,
} from '@flowstack/queue';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pgAuthCluster,
  scratchDatabase,
  type PgAuthCluster,
  type ScratchDatabase,
} from '@flowstack/test-kit';
import { openVaultUnderTest, type VaultUnderTest } from './vault-under-test.js';

/**
 * Least privilege, both ways, on a bootstrapped Vault (the double, or VAULT_ADDR): each
 * service's token can do what the path registry lists and gets 403 for the rest; the seed's
 * consumer can neither encrypt nor decrypt and producer cannot decrypt; a JWT login gets exactly the service
 * policy; Vault-issued PostgreSQL and Redis users can do what their role allows and no more.
 */

const REDIS_HOST = process.env['REDIS_HOST'] ?? '127.0.0.1';
const REDIS_PORT = Number(process.env['REDIS_PORT'] ?? 6379);

/** This suite's own exchange and queue, so the roles it checks never touch anyone else's. */
const RUN = randomUUID().slice(0, 8);
const EXCHANGE = `lp-${RUN}.orders`;
const QUEUE = `lp-${RUN}.orders.store`;
/** Someone else's queue in the same vhost. */
const VICTIM = `lp-${RUN}.victim`;
const RETRY_DELAYS_MS = [1000];
const AMQP_HOST = process.env['RABBITMQ_HOST'] ?? '127.0.0.1';
const AMQP_PORT = Number(process.env['RABBITMQ_PORT'] ?? 5672);

/** Counts of what was checked, one line each, for the suite's output. */
const report = (line: string) => process.stdout.write(`${line}\n`);

let vault: VaultUnderTest;
let cluster: PgAuthCluster;
let database: ScratchDatabase | undefined;
let databaseName: string;
let signingKey: CryptoKey;
const tokens: Record<'api' | 'worker' | 'consumer' | 'producer', string> = {
  api: '',
  worker: '',
  consumer: '',
  producer: '',
};

async function tokenWith(policy: string): Promise<string> {
  const reply = await vault.call(vault.rootToken, 'POST', 'auth/token/create', {
    policies: [policy],
    no_default_policy: true,
    ttl: '15m',
  });
  expect(reply.status).toBe(200);
  return String(reply.body.auth?.['client_token']);
}

/** Reads dynamic credentials; the lease is revoked when the suite ends. */
async function creds(
  token: string,
  path: string,
): Promise<{ username: string; password: string; leaseId: string }> {
  const reply = await vault.call(token, 'GET', path);
  expect([path, reply.status]).toEqual([path, 200]);
  return {
    username: String(reply.body.data?.['username']),
    password: String(reply.body.data?.['password']),
    leaseId: String((reply.body as { lease_id?: string }).lease_id),
  };
}

async function nomadJwt(claims: Record<string, string>): Promise<string> {
  // Nomad names a job's main task after the job in flowstack's specs; the roles bind the task too.
  return new SignJWT({
    nomad_namespace: 'default',
    nomad_task: claims['nomad_job_id'] ?? 'app',
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256' })
    .setAudience('vault.io')
    .setSubject(`global:default:${claims['nomad_job_id'] ?? ''}`)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime('5m')
    .sign(signingKey);
}

beforeAll(async () => {
  vault = await openVaultUnderTest();
  cluster = pgAuthCluster();
  database = await scratchDatabase('lp', cluster);
  databaseName = database.name;
  await migrateDatabase({
    host: cluster.host,
    port: cluster.port,
    database: databaseName,
    credentials: createStaticCredentialSource({
      username: cluster.user,
      password: cluster.password,
    }),
    logger: createLogger({ service: 'vault-policies-test', level: 'warn' }),
  });
  const keys = await generateKeyPair('RS256');
  signingKey = keys.privateKey;
  const admin = `${encodeURIComponent(cluster.user)}:${encodeURIComponent(cluster.password)}`;
  const options: BootstrapOptions = {
    address: vault.address,
    token: vault.rootToken,
    postgres: {
      url: `postgresql://${admin}@${cluster.host}:${cluster.port}/${databaseName}?sslmode=disable`,
    },
    redis: {
      host: REDIS_HOST,
      port: REDIS_PORT,
      username: process.env['REDIS_ADMIN_USER'] ?? 'default',
      password: process.env['REDIS_ADMIN_PASSWORD'] ?? 'unused-by-a-nopass-default-user',
    },
    rabbitmq: {
      managementUrl: process.env['RABBITMQ_MANAGEMENT_URL'] ?? 'http://127.0.0.1:15672',
      username: process.env['RABBITMQ_ADMIN_USER'] ?? 'guest',
      password: process.env['RABBITMQ_ADMIN_PASSWORD'] ?? 'guest',
    },
    jwt: { publicKeys: [(await exportSPKI(keys.publicKey)).trim()] },
    credentialTtl: '10m',
    credentialMaxTtl: '30m',
    auditFilePath: 'discard',
    rabbitmqVhost: DEFAULTS.rabbitmqVhost,
    ordersExchange: EXCHANGE,
    ordersQueue: QUEUE,
    workerRetryDelaysMs: RETRY_DELAYS_MS,
    redisKeyPrefix: DEFAULTS.redisKeyPrefix,
  };
  await bootstrapVault(options);
  tokens.api = await tokenWith('flowstack-api');
  tokens.worker = await tokenWith('flowstack-worker');
  tokens.consumer = await tokenWith('consumer');
  tokens.producer = await tokenWith('producer');
}, 90_000);

afterAll(async () => {
  if (vault) {
    for (const prefix of ['database/creds', 'rabbitmq/creds']) {
      await vault.call(vault.rootToken, 'PUT', `sys/leases/revoke-prefix/${prefix}`, {});
    }
    await vault.stop();
  }
  await database?.drop();
  await deleteTopology();
}, 60_000);

/** A session on the scratch database of the password-checking cluster, as `user`. */
async function connectAs(user: { username: string; password: string }): Promise<pg.Client> {
  const client = new pg.Client({
    host: cluster.host,
    port: cluster.port,
    database: databaseName,
    user: user.username,
    password: user.password,
  });
  await client.connect();
  return client;
}

describe('the flowstack-api policy', () => {
  it('when the api reads each of its credentials, then Vault issues them', async () => {
    const api = SERVICE_VAULT_NAMES.api;
    for (const path of [
      `database/creds/${api.postgresRole}`,
      `database/creds/${api.redisRole}`,
      `rabbitmq/creds/${api.rabbitmqRole}`,
    ]) {
      const issued = await creds(tokens.api, path);
      expect(issued.username).not.toBe('');
    }
    expect((await vault.call(tokens.api, 'GET', `kv/data/${api.kvConfigPath}`)).status).toBe(200);
  });

  it('when the api encrypts, decrypts, asks for a data key and issues its certificate, then each succeeds', async () => {
    const plaintext = Buffer.from('buyer@example.com').toString('base64');
    const encrypted = await vault.call(tokens.api, 'POST', 'transit/encrypt/orders-pii', {
      plaintext,
    });
    expect(encrypted.status).toBe(200);
    const ciphertext = String(encrypted.body.data?.['ciphertext']);
    expect(ciphertext).toMatch(/^vault:v\d+:/);
    const decrypted = await vault.call(tokens.api, 'POST', 'transit/decrypt/orders-pii', {
      ciphertext,
    });
    expect(decrypted.body.data?.['plaintext']).toBe(plaintext);
    const dataKey = await vault.call(
      tokens.api,
      'POST',
      'transit/datakey/plaintext/orders-pii',
      {},
    );
    expect(dataKey.status).toBe(200);
    const cert = await vault.call(tokens.api, 'POST', 'pki_int/issue/flowstack-api', {
      common_name: 'api.service.consul',
      ttl: '1h',
    });
    expect(cert.status).toBe(200);
    expect(String(cert.body.data?.['certificate'])).toContain('BEGIN CERTIFICATE');
  });

  it('when the api asks for a certificate of another service, a wildcard or extra names, then Vault refuses to issue it', async () => {
    const refusals: Record<string, unknown>[] = [
      { common_name: 'worker.service.consul' },
      { common_name: 'vault.service.consul' },
      { common_name: '*.service.consul' },
      { common_name: 'x.api.service.consul' },
      { common_name: 'api.service.consul', alt_names: 'postgres.service.consul' },
    ];
    for (const body of refusals) {
      const reply = await vault.call(tokens.api, 'POST', 'pki_int/issue/flowstack-api', body);
      expect([body, reply.status]).toEqual([body, 400]);
    }
    const own = await vault.call(tokens.api, 'POST', 'pki_int/issue/flowstack-api', {
      common_name: 'api.service.consul',
      alt_names: 'localhost',
      ip_sans: '127.0.0.1',
    });
    expect(own.status).toBe(200);
    report(`pki: 1 own certificate issued, ${refusals.length} other names refused`);
  });

  it('when the api renews and revokes its own lease (id in the URL) and its token, then Vault allows it', async () => {
    const issued = await creds(tokens.api, `database/creds/${SERVICE_VAULT_NAMES.api.redisRole}`);
    const renew = await vault.call(tokens.api, 'PUT', `sys/leases/renew/${issued.leaseId}`, {
      increment: 300,
    });
    expect(renew.status).toBe(200);
    expect(
      (await vault.call(tokens.api, 'PUT', `sys/leases/revoke/${issued.leaseId}`, {})).status,
    ).toBe(204);
    expect((await vault.call(tokens.api, 'GET', 'auth/token/lookup-self')).status).toBe(200);
    expect((await vault.call(tokens.api, 'POST', 'auth/token/renew-self', {})).status).toBe(200);
  });

  it("when one service renews or revokes the other's lease, by URL or by a lease_id in the body, then Vault answers 403 and the lease lives", async () => {
    const workers = await creds(tokens.worker, 'database/creds/worker-readwrite');
    const apis = await creds(tokens.api, 'database/creds/api-readonly');
    const attempts: [string, string, Record<string, unknown>][] = [
      [tokens.api, `sys/leases/revoke/${workers.leaseId}`, {}],
      [tokens.api, `sys/leases/renew/${workers.leaseId}`, { increment: 60 }],
      // The body's lease_id wins over the URL in Vault: the policy denies the parameter.
      [tokens.api, `sys/leases/revoke/${apis.leaseId}`, { lease_id: workers.leaseId }],
      [tokens.api, 'sys/leases/revoke', { lease_id: workers.leaseId }],
      [tokens.worker, `sys/leases/revoke/${apis.leaseId}`, {}],
      [tokens.worker, 'sys/leases/renew', { lease_id: apis.leaseId }],
      [tokens.worker, `sys/leases/revoke-prefix/database/creds`, {}],
    ];
    for (const [token, path, body] of attempts) {
      const reply = await vault.call(token, 'PUT', path, body);
      expect([path, reply.status]).toEqual([path, 403]);
    }
    const lookup = await vault.call(vault.rootToken, 'PUT', 'sys/leases/lookup', {
      lease_id: workers.leaseId,
    });
    expect(lookup.status).toBe(200);
  });

  it('when a service token revokes itself at shutdown, then Vault allows it and the token is gone', async () => {
    const token = await tokenWith('flowstack-api');
    expect((await vault.call(token, 'POST', 'auth/token/revoke-self', {})).status).toBe(204);
    expect((await vault.call(token, 'GET', 'auth/token/lookup-self')).status).toBe(403);
  });

  it.each([
    ['GET', 'database/creds/worker-readwrite', undefined],
    ['GET', 'database/creds/worker-cache', undefined],
    ['GET', 'rabbitmq/creds/worker-consumer', undefined],
    ['GET', 'kv/data/flowstack/worker/config', undefined],
    ['POST', 'kv/data/flowstack/api/config', { data: { FEATURE: 'on' } }],
    ['POST', 'transit/keys/orders-pii/rotate', {}],
    ['POST', 'pki/root/generate/internal', { common_name: 'evil' }],
    ['GET', 'sys/policies/acl/flowstack-api', undefined],
    ['POST', 'auth/token/create', { policies: ['admin'] }],
  ])('when the api token calls %s %s, then Vault answers 403', async (method, path, body) => {
    expect((await vault.call(tokens.api, method, path, body)).status).toBe(403);
  });
});

describe('the flowstack-worker policy', () => {
  it('when the worker reads each of its credentials and its config, then Vault issues them', async () => {
    for (const grant of pathsFor('worker').filter(
      (g) => g.kind !== 'lease' && g.kind !== 'token',
    )) {
      const reply = await vault.call(tokens.worker, 'GET', grant.path);
      expect([grant.path, reply.status]).toEqual([grant.path, 200]);
    }
  });

  it.each([
    ['GET', 'database/creds/api-readonly', undefined],
    ['GET', 'rabbitmq/creds/api-publisher', undefined],
    ['POST', 'transit/encrypt/orders-pii', { plaintext: 'eA==' }],
    ['POST', 'transit/decrypt/orders-pii', { ciphertext: 'vault:v1:AAAA' }],
    ['POST', 'pki_int/issue/flowstack-api', { common_name: 'worker.service.consul' }],
    ['GET', 'kv/data/flowstack/api/config', undefined],
  ])('when the worker token calls %s %s, then Vault answers 403', async (method, path, body) => {
    expect((await vault.call(tokens.worker, method, path, body)).status).toBe(403);
  });
});

describe('the path registry, walked both ways', () => {
  /** A concrete request for a registry grant: lease prefixes get a lease id that does not exist. */
  function requestFor(path: string, capability: string): [string, string, unknown] {
    const concrete = path.replace(/\*$/, `lp-${randomUUID()}`);
    if (capability === 'read') return ['GET', concrete, undefined];
    return ['POST', concrete, {}];
  }
  // Revoking itself would end the token the walk goes on with: its own test covers it.
  const walked = (service: 'api' | 'worker') =>
    pathsFor(service).filter((grant) => grant.path !== 'auth/token/revoke-self');

  it("when each service calls every path of its registry, then the ACL lets it through; when it calls the other's, then 403", async () => {
    let granted = 0;
    let refusedCount = 0;
    for (const service of ['api', 'worker'] as const) {
      const other = service === 'api' ? 'worker' : 'api';
      const own = new Set(pathsFor(service).map((grant) => grant.path));
      for (const grant of walked(service)) {
        for (const capability of grant.capabilities) {
          const [method, path, body] = requestFor(grant.path, capability);
          const reply = await vault.call(tokens[service], method, path, body);
          expect([service, path, reply.status === 403]).toEqual([service, path, false]);
          granted += 1;
        }
      }
      for (const grant of walked(other).filter((g) => !own.has(g.path))) {
        for (const capability of grant.capabilities) {
          const [method, path, body] = requestFor(grant.path, capability);
          const reply = await vault.call(tokens[service], method, path, body);
          expect([service, path, reply.status]).toEqual([service, path, 403]);
          refusedCount += 1;
        }
      }
    }
    report(`vault registry walk: ${granted} grants allowed, ${refusedCount} neighbours refused`);
    expect(granted).toBeGreaterThan(0);
    expect(refusedCount).toBeGreaterThan(0);
  });
});

describe('the seed policies', () => {
  it('when a consumer token encrypts or decrypts, then 403 both times (it reads, it never decrypts)', async () => {
    const plaintext = Buffer.from(`c-${randomUUID()}@example.com`).toString('base64');
    const denied = await vault.call(tokens.consumer, 'POST', 'transit/encrypt/orders-pii', {
      plaintext,
    });
    expect(denied.status).toBe(403);
    const encrypted = await vault.call(tokens.api, 'POST', 'transit/encrypt/orders-pii', {
      plaintext,
    });
    const ciphertext = String(encrypted.body.data?.['ciphertext']);
    const decrypted = await vault.call(tokens.consumer, 'POST', 'transit/decrypt/orders-pii', {
      ciphertext,
    });
    expect([decrypted.status, decrypted.body.data?.['plaintext']]).toEqual([403, undefined]);
  });

  it('when a producer token decrypts, then 403; when it encrypts and writes KV, then both succeed', async () => {
    const plaintext = Buffer.from('p@example.com').toString('base64');
    const encrypted = await vault.call(tokens.producer, 'POST', 'transit/encrypt/orders-pii', {
      plaintext,
    });
    expect(encrypted.status).toBe(200);
    const ciphertext = String(encrypted.body.data?.['ciphertext']);
    expect(
      (await vault.call(tokens.producer, 'POST', 'transit/decrypt/orders-pii', { ciphertext }))
        .status,
    ).toBe(403);
    const path = `kv/data/producer-test/${randomUUID()}`;
    expect((await vault.call(tokens.producer, 'POST', path, { data: { a: '1' } })).status).toBe(
      200,
    );
    expect((await vault.call(tokens.producer, 'GET', path)).status).toBe(403);
    expect((await vault.call(tokens.consumer, 'GET', path)).status).toBe(200);
    expect((await vault.call(tokens.consumer, 'POST', path, { data: { a: '2' } })).status).toBe(
      403,
    );
  });
});

describe('JWT login for Nomad workloads', () => {
  it('when the api job logs in with role flowstack-api, then its token carries exactly the api policy', async () => {
    const reply = await vault.call(null, 'POST', 'auth/jwt-nomad/login', {
      role: 'flowstack-api',
      jwt: await nomadJwt({ nomad_job_id: 'api' }),
    });
    expect([reply.status, reply.body.errors]).toEqual([200, undefined]);
    expect(reply.body.auth?.['policies']).toEqual(['flowstack-api']);
    const token = String(reply.body.auth?.['client_token']);
    expect((await vault.call(token, 'GET', 'database/creds/api-readonly')).status).toBe(200);
    expect((await vault.call(token, 'GET', 'database/creds/worker-readwrite')).status).toBe(403);
  });

  it('when the worker job presents its token to the api role, then the login is refused', async () => {
    const reply = await vault.call(null, 'POST', 'auth/jwt-nomad/login', {
      role: 'flowstack-api',
      jwt: await nomadJwt({ nomad_job_id: 'worker' }),
    });
    expect([400, 403]).toContain(reply.status);
    expect(reply.body.auth).toBeFalsy();
    // The same kind of token is fine for the worker's own role: the refusal is the bound claim.
    const own = await vault.call(null, 'POST', 'auth/jwt-nomad/login', {
      role: 'flowstack-worker',
      jwt: await nomadJwt({ nomad_job_id: 'worker' }),
    });
    expect(own.body.auth?.['policies']).toEqual(['flowstack-worker']);
  });

  it("when any other job logs in with the default role, then it gets Nomad's templated policy only", async () => {
    const reply = await vault.call(null, 'POST', 'auth/jwt-nomad/login', {
      role: 'nomad-workloads',
      jwt: await nomadJwt({ nomad_job_id: `batch-${randomUUID().slice(0, 8)}` }),
    });
    expect(reply.status).toBe(200);
    expect(reply.body.auth?.['policies']).toContain('nomad-workloads');
    expect(reply.body.auth?.['policies']).not.toContain('consumer');
    expect(reply.body.auth?.['policies']).not.toContain('flowstack-api');
  });
});

describe('Vault-issued PostgreSQL users (password-checking cluster on 5433)', () => {
  const insertOrder = (client: pg.Client) =>
    client.query(
      `INSERT INTO orders (id, request_fingerprint, customer_email, total_cents, currency, accepted_at)
       VALUES ($1, 'fp', 'vault:v1:x', 100, 'EUR', now())`,
      [randomUUID()],
    );

  it("when the api's user selects orders, then it may; when it inserts, then PostgreSQL refuses", async () => {
    const client = await connectAs(await creds(tokens.api, 'database/creds/api-readonly'));
    try {
      await expect(client.query('SELECT count(*) FROM orders')).resolves.toBeDefined();
      await expect(insertOrder(client)).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
  });

  it("when the worker's user inserts an order, then it is stored and readable", async () => {
    const client = await connectAs(await creds(tokens.worker, 'database/creds/worker-readwrite'));
    try {
      const inserted = await insertOrder(client);
      expect(inserted.rowCount).toBe(1);
      const role = await client.query<{ current_user: string }>('SELECT current_user');
      // Objects it creates belong to the group, not to the short-lived user.
      expect(role.rows[0]?.current_user).toBe('flowstack_readwrite');
      await expect(client.query('DROP TABLE order_items')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
  });
});

describe('the worker group writes only what the worker stores (PostgreSQL 5433)', () => {
  const refused: [string, string][] = [
    ['UPDATE products', 'UPDATE products SET price_cents = 1 WHERE false'],
    [
      'INSERT products',
      `INSERT INTO products (id, name, description, price_cents, currency) VALUES ('lp-forged', 'x', 'x', 1, 'EUR')`,
    ],
    ['UPDATE orders total', 'UPDATE orders SET total_cents = 0 WHERE false'],
    ['UPDATE order_items', 'UPDATE order_items SET quantity = 0 WHERE false'],
    ['DELETE orders', 'DELETE FROM orders WHERE false'],
    ['UPDATE pgmigrations', `UPDATE pgmigrations SET name = 'x' WHERE false`],
    ['INSERT pgmigrations', `INSERT INTO pgmigrations (name, run_on) VALUES ('x', now())`],
    ['TRUNCATE orders', 'TRUNCATE orders'],
  ];

  it('when the worker user inserts an order with items and rewraps an e-mail, then PostgreSQL allows it; the rest is refused', async () => {
    const client = await connectAs(await creds(tokens.worker, 'database/creds/worker-readwrite'));
    try {
      const id = randomUUID();
      // The catalog belongs to the admin identity (migrations and seed), so it makes the product.
      const productId = `lp-${id}`;
      const admin = await connectAs({ username: cluster.user, password: cluster.password });
      await admin.query(
        `INSERT INTO products (id, name, description, price_cents, currency) VALUES ($1, 'p', 'p', 100, 'EUR')`,
        [productId],
      );
      await admin.end();
      await client.query('SELECT id, price_cents FROM products WHERE id = $1', [productId]);
      const allowed = [
        `INSERT INTO orders (id, request_fingerprint, customer_email, total_cents, currency, accepted_at)
         VALUES ('${id}', 'fp', 'vault:v1:x', 100, 'EUR', now()) ON CONFLICT (id) DO NOTHING RETURNING id, stored_at`,
        `INSERT INTO order_items (order_id, line, product_id, quantity, unit_price_cents)
         VALUES ('${id}', 1, '${productId}', 1, 100)`,
        `UPDATE orders SET customer_email = 'vault:v2:y' WHERE id = '${id}' AND customer_email = 'vault:v1:x'`,
      ];
      for (const sql of allowed) await client.query(sql);
      for (const [what, sql] of refused) {
        await expect(client.query(sql), what).rejects.toMatchObject({ code: '42501' });
      }
      report(
        `postgres worker group: ${allowed.length + 1} statements granted, ${refused.length} refused`,
      );
    } finally {
      await client.end();
    }
  });
});

describe('Vault-issued Redis users: one key prefix per service (F10)', () => {
  const prefixOf = (service: 'api' | 'worker') =>
    redisKeyPrefixFor(service, DEFAULTS.redisKeyPrefix);

  async function redisAs(user: { username: string; password: string }): Promise<Redis> {
    const redis = new Redis({
      host: REDIS_HOST,
      port: REDIS_PORT,
      username: user.username,
      password: user.password,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectionName: 'vault-policies-test',
    });
    await redis.connect();
    return redis;
  }

  /** 'ok', or the first word of Redis's refusal (NOPERM for an ACL refusal). */
  async function answer(run: () => Promise<unknown>): Promise<string> {
    try {
      await run();
      return 'ok';
    } catch (error) {
      return String((error as Error).message).split(' ')[0] ?? 'error';
    }
  }

  it("when each cache user sends what @flowstack/cache sends on its own keys, then Redis allows it; the other service's keys, shared keys and admin commands get NOPERM", async () => {
    let granted = 0;
    let refused = 0;
    for (const service of ['api', 'worker'] as const) {
      const own = prefixOf(service);
      const other = prefixOf(service === 'api' ? 'worker' : 'api');
      const redis = await redisAs(
        await creds(tokens[service], `database/creds/${SERVICE_VAULT_NAMES[service].redisRole}`),
      );
      try {
        const key = `${own}lp:${randomUUID()}`;
        const allowed: [string, () => Promise<unknown>][] = [
          ['SET EX', () => redis.set(key, '1', 'EX', 30)],
          ['SET NX EX GET', () => redis.call('SET', `${key}:claim`, '1', 'EX', '30', 'NX', 'GET')],
          ['GET', () => redis.get(key)],
          ['DEL', () => redis.del(key, `${key}:claim`)],
          ['PING', () => redis.ping()],
          ['INFO', () => redis.info('server')],
          ['CLIENT SETNAME', () => redis.client('SETNAME', 'lp')],
        ];
        if (service === 'api') {
          allowed.push(['PUBLISH', () => redis.publish(`${own}invalidate`, 'x')]);
        }
        const denied: [string, () => Promise<unknown>][] = [
          ["GET the other's key", () => redis.get(`${other}product:hand-grinder`)],
          ["SET the other's key", () => redis.set(`${other}product:lp-${RUN}`, '{}', 'EX', 30)],
          ["DEL the other's key", () => redis.del(`${other}order:pending:lp-${RUN}`)],
          [
            'SET under the shared base',
            () => redis.set(`${DEFAULTS.redisKeyPrefix}lp-${RUN}`, '1'),
          ],
          ['SET elsewhere', () => redis.set(`other:${randomUUID()}`, '1')],
          ["PUBLISH on the other's channel", () => redis.publish(`${other}invalidate`, 'x')],
          ['KEYS', () => redis.keys(`${own}*`)],
          ['SCAN', () => redis.scan(0)],
          ['FLUSHALL', () => redis.flushall()],
          ['CONFIG GET', () => redis.config('GET', 'dir')],
          ['ACL LIST', () => redis.acl('LIST')],
          ['EVAL', () => redis.eval('return 1', 0)],
        ];
        if (service === 'worker') {
          denied.push(['PUBLISH on its own prefix', () => redis.publish(`${own}invalidate`, 'x')]);
        }
        for (const [what, run] of allowed) {
          expect([service, what, await answer(run)]).toEqual([service, what, 'ok']);
          granted += 1;
        }
        for (const [what, run] of denied) {
          expect([service, what, await answer(run)]).toEqual([service, what, 'NOPERM']);
          refused += 1;
        }
      } finally {
        redis.disconnect();
      }
    }
    report(`redis cache users: ${granted} commands granted, ${refused} refused`);
  });

  it("when the worker's cache user plants a product where the api caches its catalog, then NOPERM and the api's key stays empty", async () => {
    const forged = `${prefixOf('api')}product:lp-forged-${RUN}`;
    const worker = await redisAs(
      await creds(tokens.worker, `database/creds/${SERVICE_VAULT_NAMES.worker.redisRole}`),
    );
    const api = await redisAs(
      await creds(tokens.api, `database/creds/${SERVICE_VAULT_NAMES.api.redisRole}`),
    );
    try {
      const product = { id: `lp-forged-${RUN}`, name: 'Forged', priceCents: 1, currency: 'EUR' };
      expect(await answer(() => worker.set(forged, JSON.stringify(product), 'EX', 120))).toBe(
        'NOPERM',
      );
      // The api's own user reads what the api would serve: nothing was planted.
      expect(await api.get(forged)).toBeNull();
    } finally {
      worker.disconnect();
      api.disconnect();
    }
  });
});

async function deleteTopology(): Promise<void> {
  const connection = await amqp.connect({
    hostname: AMQP_HOST,
    port: AMQP_PORT,
    username: process.env['RABBITMQ_ADMIN_USER'] ?? 'guest',
    password: process.env['RABBITMQ_ADMIN_PASSWORD'] ?? 'guest',
  });
  try {
    const channel = await connection.createChannel();
    const retries = RETRY_DELAYS_MS.map((delay) => retryQueueName(QUEUE, delay));
    for (const queue of [QUEUE, deadLetterQueueName(QUEUE), ...retries, VICTIM]) {
      await channel.deleteQueue(queue);
    }
    await channel.deleteExchange(movesExchangeName(QUEUE));
    await channel.deleteExchange(EXCHANGE);
  } finally {
    await connection.close();
  }
}

/** Runs `step` on a fresh channel; resolves with the broker's refusal code, or 'ok'. */
async function outcome(
  connection: amqp.ChannelModel,
  step: (channel: amqp.ConfirmChannel) => Promise<unknown>,
): Promise<number | 'ok'> {
  const channel = await connection.createConfirmChannel();
  // The broker's refusal closes the channel; its code arrives on the channel's error event,
  // which may come after the rejected call.
  const refused = new Promise<number>((resolve) => {
    channel.on('error', (error: { code?: number }) => resolve(error.code ?? -1));
  });
  try {
    await step(channel);
    await channel.close();
    return 'ok';
  } catch (error) {
    const code = (error as { code?: number }).code;
    return code ?? (await refused);
  }
}

/** Publishes one persistent message and waits for the broker's confirm. */
async function publishConfirmed(
  channel: amqp.ConfirmChannel,
  exchange: string,
  routingKey: string,
): Promise<void> {
  channel.publish(exchange, routingKey, Buffer.from('{}'), { persistent: true });
  await channel.waitForConfirms();
}

describe('Vault-issued RabbitMQ users (F11)', () => {
  const ACCESS_REFUSED = 403;
  const moves = movesExchangeName(QUEUE);
  let admin: amqp.ChannelModel;

  beforeAll(async () => {
    admin = await amqp.connect({
      hostname: AMQP_HOST,
      port: AMQP_PORT,
      username: process.env['RABBITMQ_ADMIN_USER'] ?? 'guest',
      password: process.env['RABBITMQ_ADMIN_PASSWORD'] ?? 'guest',
    });
    // Another tenant's queue in the same vhost, which neither service may reach.
    const channel = await admin.createChannel();
    await channel.assertQueue(VICTIM, { durable: false });
    await channel.close();
  });

  afterAll(async () => {
    await admin?.close();
  });

  async function connectAs(user: { username: string; password: string }) {
    const connection = await amqp.connect({
      hostname: AMQP_HOST,
      port: AMQP_PORT,
      username: user.username,
      password: user.password,
    });
    connection.on('error', () => undefined);
    return connection;
  }

  async function messagesIn(queue: string): Promise<number> {
    const channel = await admin.createChannel();
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } finally {
      await channel.close();
    }
  }

  /** Each step must be allowed ('ok') or refused (403); returns how many of each were checked. */
  async function checkBothWays(
    connection: amqp.ChannelModel,
    who: string,
    allowed: [string, (channel: amqp.ConfirmChannel) => Promise<unknown>][],
    refused: [string, (channel: amqp.ConfirmChannel) => Promise<unknown>][],
  ): Promise<[number, number]> {
    for (const [what, step] of allowed) {
      expect([who, what, await outcome(connection, step)]).toEqual([who, what, 'ok']);
    }
    for (const [what, step] of refused) {
      expect([who, what, await outcome(connection, step)]).toEqual([who, what, ACCESS_REFUSED]);
    }
    return [allowed.length, refused.length];
  }

  it('when the worker sets up and runs its consumer, then the broker allows it; deleting or declaring the orders exchange, reaching any other queue or an unconfigured retry queue is refused', async () => {
    const connection = await connectAs(
      await creds(tokens.worker, 'rabbitmq/creds/worker-consumer'),
    );
    try {
      const retry = retryQueueName(QUEUE, RETRY_DELAYS_MS[0]!);
      const [granted, refused] = await checkBothWays(
        connection,
        'worker',
        [
          [
            'its topology, the exchange checked passively',
            (channel) =>
              assertConsumerTopology(channel, {
                queue: QUEUE,
                exchange: EXCHANGE,
                routingKeys: ['order.created'],
                retryDelaysMs: RETRY_DELAYS_MS,
                assertExchange: false,
              }),
          ],
          ['consume its queue', (channel) => channel.consume(QUEUE, () => undefined)],
          ['a retry copy through moves', (channel) => publishConfirmed(channel, moves, retry)],
          [
            'a dead letter through moves',
            (channel) => publishConfirmed(channel, moves, deadLetterQueueName(QUEUE)),
          ],
          ['read a dead letter', (channel) => channel.get(deadLetterQueueName(QUEUE))],
          ['replay through moves', (channel) => publishConfirmed(channel, moves, QUEUE)],
        ],
        [
          [
            'delete the orders exchange',
            (channel) => channel.deleteExchange(EXCHANGE, { ifUnused: true }),
          ],
          [
            'declare the orders exchange',
            (channel) => channel.assertExchange(EXCHANGE, 'topic', { durable: true }),
          ],
          ['publish to the orders exchange', (channel) => publishConfirmed(channel, EXCHANGE, 'x')],
          [
            "publish to another tenant's queue via amq.default",
            (channel) => publishConfirmed(channel, '', VICTIM),
          ],
          ['publish to amq.topic', (channel) => publishConfirmed(channel, 'amq.topic', VICTIM)],
          ['bind another queue to moves', (channel) => channel.bindQueue(VICTIM, moves, VICTIM)],
          ['consume another queue', (channel) => channel.consume(VICTIM, () => undefined)],
          ['purge another queue', (channel) => channel.purgeQueue(VICTIM)],
          [
            'declare a retry queue of a delay it does not use',
            (channel) => channel.assertQueue(`${QUEUE}.retry.999999999`, { durable: true }),
          ],
          [
            'declare an exchange of its own',
            (channel) => channel.assertExchange(`lp-${RUN}.other`, 'fanout'),
          ],
        ],
      );
      expect(await messagesIn(VICTIM)).toBe(0);
      report(`rabbitmq worker user: ${granted} operations granted, ${refused} refused`);
    } finally {
      await connection.close();
    }
  });

  it('when the api checks the orders exchange and publishes to it, then the broker confirms; deleting or declaring it, any queue or other exchange is refused', async () => {
    const connection = await connectAs(await creds(tokens.api, 'rabbitmq/creds/api-publisher'));
    try {
      const [granted, refused] = await checkBothWays(
        connection,
        'api',
        [
          ['check the orders exchange', (channel) => channel.checkExchange(EXCHANGE)],
          [
            'publish to the orders exchange',
            (channel) => publishConfirmed(channel, EXCHANGE, 'order.created'),
          ],
        ],
        [
          [
            'delete the orders exchange',
            (channel) => channel.deleteExchange(EXCHANGE, { ifUnused: true }),
          ],
          [
            'declare the orders exchange',
            (channel) => channel.assertExchange(EXCHANGE, 'topic', { durable: true }),
          ],
          [
            "publish to another tenant's queue via amq.default",
            (channel) => publishConfirmed(channel, '', VICTIM),
          ],
          ["publish to the worker's moves", (channel) => publishConfirmed(channel, moves, QUEUE)],
          ['consume the orders queue', (channel) => channel.consume(QUEUE, () => undefined)],
          ['declare a queue', (channel) => channel.assertQueue(`lp-${RUN}.api-own`)],
          [
            'bind a queue to the orders exchange',
            (channel) => channel.bindQueue(VICTIM, EXCHANGE, '#'),
          ],
        ],
      );
      report(`rabbitmq api user: ${granted} operations granted, ${refused} refused`);
    } finally {
      await connection.close();
    }
  });
});
