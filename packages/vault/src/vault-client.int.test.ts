import { randomUUID } from 'node:crypto';
import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, waitFor } from '@flowstack/test-kit';
import { startVaultUnderTest, type VaultUnderTest } from '../test/vault-under-test.js';
import { createEnvelopeSealer, createTransitSealer, rewrapSealed } from './transit.js';
import { createVaultClient, type VaultClient } from './vault-client.js';
import { isVaultError } from './vault-error.js';

let vault: VaultUnderTest;
const { logger, lines } = captureLogger('vault-test');
const secretsSeen: string[] = [];
const suffix = randomUUID().slice(0, 8);
const clients: VaultClient[] = [];
let redis: Redis;

/** The value of a counter for one label set (0 before the first increment). */
async function counter(registry: Registry, name: string, labels: Record<string, string>) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) =>
    Object.entries(labels).every(([key, want]) => v.labels[key] === want),
  );
  return value?.value ?? 0;
}

/** Advances time by `ms`, then waits until the client's work that came due is done. */
async function advanceUntil(ms: number, done: () => Promise<boolean>, what: string) {
  await vault.advance(ms);
  await waitFor(async () => ((await done()) ? true : undefined), what);
}

const clientWith = async (
  auth: Parameters<typeof createVaultClient>[0]['auth'],
  registry = new Registry(),
) => {
  const client = createVaultClient({
    address: vault.address,
    auth,
    logger,
    registry,
    backoff: { baseMs: 50, maxMs: 500 },
    ...(vault.clock === undefined ? {} : { clock: vault.clock }),
  });
  clients.push(client);
  await client.start(5_000);
  return client;
};

beforeAll(async () => {
  vault = await startVaultUnderTest();
  redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  await redis.connect();
  await vault.call('POST', `sys/mounts/transit-${suffix}`, { type: 'transit' });
  await vault.call('POST', `transit-${suffix}/keys/pii`, {});
  await vault.call('POST', `sys/mounts/db-${suffix}`, { type: 'database' });
  await vault.call('POST', `db-${suffix}/config/redis`, {
    plugin_name: 'redis-database-plugin',
    host: '127.0.0.1',
    port: 6379,
    username: 'default',
    password: 'unused-by-nopass',
    allowed_roles: '*',
  });
  await vault.call('POST', `db-${suffix}/roles/short`, {
    db_name: 'redis',
    creation_statements: ['["~flowstack:*","+@all"]'],
    default_ttl: '2s',
    max_ttl: '5s',
  });
});

afterAll(async () => {
  for (const client of clients) await client.close();
  redis.disconnect();
  await vault.stop();
  // No secret this suite handled may appear in any log line it produced.
  const joined = lines.join('\n');
  for (const secret of secretsSeen) expect(joined).not.toContain(secret);
});

describe('token login and renewal', () => {
  it('when a renewable token lives 3 s, then it is renewed and still works after 6 s', async () => {
    const created = await vault.call('POST', 'auth/token/create', {
      ttl: '3s',
      policies: ['root'],
    });
    const token = (created.auth as { client_token: string }).client_token;
    secretsSeen.push(token);
    const registry = new Registry();
    await clientWith({ method: 'token', token }, registry);
    const renewals = () => counter(registry, 'flowstack_vault_renewals_total', { secret: 'token' });
    // Renewed at 2/3 of its TTL: each step passes one renewal and stays inside the token's life.
    for (const round of [1, 2, 3]) {
      await advanceUntil(2_000, async () => (await renewals()) >= round, `renewal ${round}`);
    }
    const client = clients.at(-1)!;
    await expect(
      client.transit('pii', `transit-${suffix}`).encrypt('still@works.test'),
    ).resolves.toMatch(/^vault:v1:/);
  }, 20_000);

  it('when the token file is rewritten, then the client follows it without renewing it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vault-token-'));
    const file = join(dir, 'vault_token');
    const first = (await vault.call('POST', 'auth/token/create', { ttl: '1h' })).auth as {
      client_token: string;
    };
    const second = (await vault.call('POST', 'auth/token/create', { ttl: '1h' })).auth as {
      client_token: string;
    };
    secretsSeen.push(first.client_token, second.client_token);
    await writeFile(file, `${first.client_token}\n`);
    const client = createVaultClient({
      address: vault.address,
      auth: { method: 'token', tokenFile: file },
      logger,
      registry: new Registry(),
      fileCheckIntervalMs: 100,
    });
    clients.push(client);
    await client.start(5_000);
    expect(client.http.token).toBe(first.client_token);
    // Nomad writes the new token atomically (write, then rename).
    await writeFile(`${file}.tmp`, second.client_token);
    await rename(`${file}.tmp`, file);
    await waitFor(() => (client.http.token === second.client_token ? true : undefined));
    await vault.call('POST', 'auth/token/revoke', { token: first.client_token });
    await expect(
      client
        .readKv('nothing/here')
        .catch((error: unknown) => (isVaultError(error) ? error.kind : 'other')),
    ).resolves.not.toBe('denied');
  });

  it('when the process logs in with a JWT, then it gets a token of the role and renews it', async () => {
    const pair = await generateKeyPair('RS256');
    const mount = `jwt-${suffix}`;
    await vault.call('POST', `sys/auth/${mount}`, { type: 'jwt' });
    await vault.call('POST', `auth/${mount}/config`, {
      jwt_validation_pubkeys: [await exportSPKI(pair.publicKey)],
    });
    await vault.call('POST', 'sys/policies/acl/jwt-test-' + suffix, {
      policy: `path "transit-${suffix}/encrypt/pii" { capabilities = ["update"] }`,
    });
    await vault.call('POST', `auth/${mount}/role/api`, {
      role_type: 'jwt',
      bound_audiences: ['vault.io'],
      user_claim: 'nomad_job_id',
      token_type: 'service',
      token_period: '3s',
      token_policies: ['jwt-test-' + suffix],
    });
    const jwt = await new SignJWT({
      nomad_job_id: 'api',
      nomad_namespace: 'default',
      nomad_task: 'api',
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setAudience('vault.io')
      // On the double's clock, which stands still between advances.
      .setIssuedAt(Math.floor((vault.clock?.now() ?? Date.now()) / 1000))
      .setExpirationTime('1h')
      .sign(pair.privateKey);
    const dir = await mkdtemp(join(tmpdir(), 'vault-jwt-'));
    await writeFile(join(dir, 'nomad_token'), jwt);
    secretsSeen.push(jwt);
    const registry = new Registry();
    const client = await clientWith(
      { method: 'jwt', jwtFile: join(dir, 'nomad_token'), role: 'api', mount },
      registry,
    );
    secretsSeen.push(client.http.token);
    // token_period 3s: alive after 4.5 s only if renewed on the way.
    const renewals = () => counter(registry, 'flowstack_vault_renewals_total', { secret: 'token' });
    for (const round of [1, 2]) {
      await advanceUntil(2_250, async () => (await renewals()) >= round, `renewal ${round}`);
    }
    const transit = client.transit('pii', `transit-${suffix}`);
    await expect(transit.encrypt('jwt@example.test')).resolves.toMatch(/^vault:v/);
    const denied = await transit.decrypt('vault:v1:AAAA').catch((error: unknown) => error);
    expect(isVaultError(denied) && denied.kind).toBe('denied');
  }, 20_000);
});

describe('dynamic secrets', () => {
  it('when a lease reaches its max TTL, then new credentials arrive first and the old user is revoked', async () => {
    const registry = new Registry();
    const client = await clientWith({ method: 'token', token: vault.rootToken }, registry);
    const source = await client.credentialSource({
      name: 'redis',
      path: `db-${suffix}/creds/short`,
      revokeGraceMs: 500,
    });
    const first = await source.current();
    secretsSeen.push(first.password ?? '');
    const generations: number[] = [];
    source.onRotate((next) => {
      generations.push(next.generation);
      secretsSeen.push(next.password ?? '');
    });
    // default_ttl 2s, max_ttl 5s: renewed at 2/3 of 2 s until the max caps it, then replaced.
    // Each step of 1.5 s passes one renewal or replacement.
    const handled = async () =>
      (await counter(registry, 'flowstack_vault_renewals_total', { secret: 'redis' })) +
      (await counter(registry, 'flowstack_vault_rotations_total', { secret: 'redis' }));
    for (let step = 1; generations.length < 2; step += 1) {
      if (step > 20) throw new Error(`only ${generations.length} replacements after 30 s`);
      await advanceUntil(1_500, async () => (await handled()) >= step, `lease step ${step}`);
    }
    // The old user goes after the revocation grace (client) or at its max TTL (Vault).
    await advanceUntil(
      1_000,
      async () => !((await redis.call('ACL', 'USERS')) as string[]).includes(first.username ?? ''),
      'the first user revoked',
    );
    const latest = await source.current();
    expect(latest.generation).toBeGreaterThanOrEqual(3);
    await source.close();
    await waitFor(async () =>
      ((await redis.call('ACL', 'USERS')) as string[]).includes(latest.username ?? '')
        ? undefined
        : true,
    );
  }, 30_000);
});

describe('transit', () => {
  it('when the key rotates, then old ciphertexts still decrypt and rewrap moves them to the new version', async () => {
    const client = await clientWith({ method: 'token', token: vault.rootToken });
    const transit = client.transit('pii', `transit-${suffix}`);
    const sealed = await createTransitSealer(transit).seal('ada@example.com');
    secretsSeen.push('ada@example.com');
    expect(sealed).toMatch(/^vault:v1:/);
    await vault.call('POST', `transit-${suffix}/keys/pii/rotate`, {});
    const [rewrapped] = await transit.rewrap([sealed]);
    expect(rewrapped).toMatch(/^vault:v2:/);
    expect(await transit.decrypt(rewrapped ?? '')).toBe('ada@example.com');
    expect(await transit.latestVersion()).toBe(2);
  });

  it('when sealing in envelope mode, then one data key serves many values and rewrap keeps them readable', async () => {
    const client = await clientWith({ method: 'token', token: vault.rootToken });
    const transit = client.transit('pii', `transit-${suffix}`);
    const envelope = createEnvelopeSealer(transit);
    const values = await Promise.all(
      ['a@x.test', 'b@x.test', 'c@x.test'].map((email) => envelope.seal(email)),
    );
    secretsSeen.push('a@x.test', 'b@x.test', 'c@x.test');
    const wrappedKeys = new Set(values.map((value) => value.split(':').slice(2, 5).join(':')));
    expect(wrappedKeys.size).toBe(1);
    expect(values[0]).not.toContain('a@x.test');
    await vault.call('POST', `transit-${suffix}/keys/pii/rotate`, {});
    const rewrapped = await envelope.rewrap(values);
    expect(rewrapped[0]).not.toBe(values[0]);
    const fresh = createEnvelopeSealer(transit);
    expect(await Promise.all(rewrapped.map((value) => fresh.open(value)))).toEqual([
      'a@x.test',
      'b@x.test',
      'c@x.test',
    ]);
  });

  it('when direct and envelope values are rewrapped together, then each keeps its form, moves to the new version and opens to the same address', async () => {
    const client = await clientWith({ method: 'token', token: vault.rootToken });
    const key = `mixed-${randomUUID().slice(0, 8)}`;
    await vault.call('POST', `transit-${suffix}/keys/${key}`, {});
    const transit = client.transit(key, `transit-${suffix}`);
    const direct = createTransitSealer(transit);
    const envelope = createEnvelopeSealer(transit);
    const values = [
      await direct.seal('d@x.test'),
      await envelope.seal('e@x.test'),
      await direct.seal('f@x.test'),
    ];
    secretsSeen.push('d@x.test', 'e@x.test', 'f@x.test');
    await vault.call('POST', `transit-${suffix}/keys/${key}/rotate`, {});
    const rewrapped = await rewrapSealed(transit, values);
    expect(rewrapped[0]).toMatch(/^vault:v2:/);
    expect(rewrapped[1]).toMatch(/^envelope:v1:vault:v2:/);
    // The envelope payload (AES-GCM under the same data key) is untouched.
    expect(rewrapped[1]?.split(':').at(-1)).toBe(values[1]?.split(':').at(-1));
    expect(rewrapped[2]).toMatch(/^vault:v2:/);
    const fresh = createEnvelopeSealer(transit);
    expect([
      await direct.open(rewrapped[0] ?? ''),
      await fresh.open(rewrapped[1] ?? ''),
      await direct.open(rewrapped[2] ?? ''),
    ]).toEqual(['d@x.test', 'e@x.test', 'f@x.test']);
  });

  it('when many values are sealed at once, then they share batched Transit calls and each opens to its own address', async () => {
    const client = await clientWith({ method: 'token', token: vault.rootToken });
    const key = `batched-${randomUUID().slice(0, 8)}`;
    await vault.call('POST', `transit-${suffix}/keys/${key}`, {});
    const transit = client.transit(key, `transit-${suffix}`);
    const calls = { one: 0, many: 0 };
    const counted = {
      ...transit,
      encrypt: (plaintext: string) => ((calls.one += 1), transit.encrypt(plaintext)),
      encryptMany: (plaintexts: readonly string[]) => (
        (calls.many += 1),
        transit.encryptMany(plaintexts)
      ),
    };
    const sealer = createTransitSealer(counted);
    const addresses = Array.from({ length: 30 }, (_, i) => `batch-${i}@x.test`);
    secretsSeen.push(...addresses);
    const sealed = await Promise.all(addresses.map((address) => sealer.seal(address)));
    // The first goes out alone, at once; the 29 that arrived meanwhile share the next call.
    expect(calls).toEqual({ one: 1, many: 1 });
    for (const value of sealed) expect(value).toMatch(/^vault:v1:/);
    expect(await Promise.all(sealed.map((value) => transit.decrypt(value)))).toEqual(addresses);
  });
});

describe('failures', () => {
  it('when Vault is unreachable, then the error is "unreachable" and carries no token', async () => {
    const client = createVaultClient({
      address: 'http://127.0.0.1:1',
      auth: { method: 'token', token: 'hvs.never-printed-token' },
      logger,
      registry: new Registry(),
      backoff: { baseMs: 10, maxMs: 20 },
    });
    secretsSeen.push('hvs.never-printed-token');
    const error = await client.start(200).catch((caught: unknown) => caught);
    await client.close();
    expect(isVaultError(error) && error.kind).toBe('unreachable');
    expect(JSON.stringify(error)).not.toContain('never-printed');
    expect(String((error as Error).stack)).not.toContain('never-printed');
  });
});
