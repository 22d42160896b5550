import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, openVaultTarget, type VaultTarget } from './harness.js';

interface Auth {
  client_token: string;
  accessor: string;
  policies: string[];
  lease_duration: number;
  renewable: boolean;
}

let target: VaultTarget;
let policy: string;

beforeAll(async () => {
  target = await openVaultTarget();
  policy = target.uniquePath('tokens');
  await target.client.addPolicy({
    name: policy,
    rules: 'path "sys/mounts" { capabilities = ["read"] }',
  });
});

afterAll(async () => {
  await target?.close();
});

async function createToken(
  body: Record<string, unknown>,
): Promise<{ auth: Auth; warnings: string[] | null }> {
  return (await target.client.write('auth/token/create', body)) as {
    auth: Auth;
    warnings: string[] | null;
  };
}

describe('sys/health and the envelope', () => {
  it('when health is read through node-vault, then the node is initialized, unsealed and active', async () => {
    const health = (await target.client.health()) as {
      initialized: boolean;
      sealed: boolean;
      standby: boolean;
    };
    expect(health).toMatchObject({ initialized: true, sealed: false, standby: false });
  });

  it('when a request succeeds, then the standard envelope fields are all present', async () => {
    const res = (await target.client.tokenLookupSelf()) as Record<string, unknown>;
    for (const key of [
      'request_id',
      'lease_id',
      'renewable',
      'lease_duration',
      'data',
      'wrap_info',
      'warnings',
      'auth',
    ]) {
      expect(res).toHaveProperty(key);
    }
  });

  it('when an empty path is listed, then 404 with an empty errors array', async () => {
    const mount = target.uniquePath('empty-kv');
    await target.client.mount({ mount_point: mount, type: 'kv', options: { version: '2' } });
    const res = await target.fetch(`${mount}/metadata/?list=true`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ errors: [] });
  });

  it('when no token is sent, then 403 permission denied', async () => {
    const res = await target.fetch('sys/mounts', { token: null });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { errors: string[] };
    expect(body.errors.join(' ')).toContain('permission denied');
  });
});

describe('auth/token', () => {
  it('when created, then policies are sorted with default added and a missing policy gives a warning', async () => {
    const missing = `${policy}-missing`;
    const res = await createToken({ policies: [policy, missing], ttl: '1h' });
    expect(res.auth.policies).toEqual(['default', missing, policy].sort());
    expect(res.auth.lease_duration).toBe(3600);
    expect(res.auth.renewable).toBe(true);
    expect(res.warnings ?? []).toContain(`Policy "${missing}" does not exist`);
  });

  it('when looked up through node-vault, then ttl, policies and expire_time are reported', async () => {
    const { auth } = await createToken({ policies: [policy], ttl: '30m' });
    const client = target.clientWith(auth.client_token);
    const res = (await client.tokenLookupSelf()) as {
      data: { ttl: number; policies: string[]; expire_time: string };
    };
    expect(res.data.ttl).toBeGreaterThan(1700);
    expect(res.data.ttl).toBeLessThanOrEqual(1800);
    expect(res.data.policies).toEqual(['default', policy].sort());
    expect(Date.parse(res.data.expire_time)).toBeGreaterThan(Date.now());
  });

  it('when renewed beyond explicit_max_ttl, then the TTL is capped and a warning says so', async () => {
    const { auth } = await createToken({ policies: [policy], ttl: '10m', explicit_max_ttl: '20m' });
    const client = target.clientWith(auth.client_token);
    const res = (await client.tokenRenewSelf({ increment: '2h' })) as {
      auth: Auth;
      warnings: string[] | null;
    };
    expect(res.auth.lease_duration).toBeLessThanOrEqual(20 * 60);
    expect(res.auth.lease_duration).toBeGreaterThan(19 * 60);
    expect((res.warnings ?? []).join(' ')).toMatch(/exceeded the effective max_ttl/);
  });

  it('when a periodic token is renewed, then its TTL is the period', async () => {
    const { auth } = await createToken({ policies: [policy], period: '15m' });
    expect(auth.lease_duration).toBe(900);
    const client = target.clientWith(auth.client_token);
    const res = (await client.tokenRenewSelf({ increment: 60 })) as { auth: Auth };
    expect(res.auth.lease_duration).toBe(900);
  });

  it('when revoked with revoke-self, then the token gets 403', async () => {
    const { auth } = await createToken({ policies: [policy] });
    const client = target.clientWith(auth.client_token);
    await client.tokenRevokeSelf();
    const failure = await failureOf(client.tokenLookupSelf());
    expect(failure.response?.statusCode).toBe(403);
  });

  it('when a token expires, then it gets 403', async () => {
    const { auth } = await createToken({ policies: [policy], ttl: '2s' });
    const client = target.clientWith(auth.client_token);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const failure = await failureOf(client.tokenLookupSelf());
    expect(failure.response?.statusCode).toBe(403);
  });

  it('when a parent is revoked, then its child token is revoked too', async () => {
    const maker = `${policy}-maker`;
    await target.client.addPolicy({
      name: maker,
      rules: 'path "auth/token/create" { capabilities = ["update"] }',
    });
    const parent = (await createToken({ policies: [maker] })).auth;
    const child = (await target
      .clientWith(parent.client_token)
      .write('auth/token/create', { policies: [maker] })) as { auth: Auth };
    await target.client.write('auth/token/revoke', { token: parent.client_token });
    const failure = await failureOf(target.clientWith(child.auth.client_token).tokenLookupSelf());
    expect(failure.response?.statusCode).toBe(403);
  });
});
