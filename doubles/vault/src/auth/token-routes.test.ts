import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDouble, type Json, type TestDouble } from '../../test/http-double.js';
import { createClock, type ControllableClock } from '../core/clock.js';

let v: TestDouble;
let clock: ControllableClock;
beforeAll(async () => {
  clock = createClock({ manual: true });
  v = await startTestDouble({ clock });
  const policy =
    'path "auth/token/create" { capabilities = ["update"] }\npath "auth/token/create-orphan" { capabilities = ["update"] }';
  await v.call('PUT', 'sys/policies/acl/maker', { body: { policy } });
});
afterAll(async () => {
  await v.stop();
});

async function createToken(body: Record<string, unknown>, token?: string) {
  const res = await v.call('POST', 'auth/token/create', { body, ...(token ? { token } : {}) });
  expect(res.status).toBe(200);
  return res;
}

async function createTokenBody(
  body: Record<string, unknown>,
  token?: string,
): Promise<{ auth: Json; warnings: Json }> {
  const res = await createToken(body, token);
  return { auth: res.body.auth, warnings: res.body.warnings };
}

describe('auth/token', () => {
  it('when created, then policies are sorted with default added, unknown ones warned about, and the TTL parsed', async () => {
    const res = await createTokenBody({
      policies: ['web', 'stage'],
      ttl: '30m',
      meta: { user: 'armon' },
      display_name: 'ci',
    });
    expect(res.auth.policies).toEqual(['default', 'stage', 'web']);
    expect(res.auth.lease_duration).toBe(1800);
    expect(res.auth.renewable).toBe(true);
    expect(res.auth.client_token).toMatch(/^hvs\./);
    expect(res.auth.metadata).toEqual({ user: 'armon' });
    expect(res.warnings).toEqual(
      expect.arrayContaining(['Policy "stage" does not exist', 'Policy "web" does not exist']),
    );
    const look = await v.call('GET', 'auth/token/lookup-self', { token: res.auth.client_token });
    expect(look.body.data).toMatchObject({
      ttl: 1800,
      display_name: 'token-ci',
      policies: ['default', 'stage', 'web'],
      orphan: false,
      path: 'auth/token/create',
    });
    expect(typeof look.body.data.expire_time).toBe('string');
  });

  it('when no_default_policy is set, then default is not added', async () => {
    const res = await createTokenBody({ policies: ['p'], no_default_policy: true });
    expect(res.auth.policies).toEqual(['p']);
  });

  it('when renewed past explicit_max_ttl, then the TTL is capped with a warning', async () => {
    const { auth } = await createTokenBody({ ttl: '1h', explicit_max_ttl: '2h' });
    clock.advance(30 * 60_000);
    const res = await v.call('POST', 'auth/token/renew-self', {
      token: auth.client_token,
      body: { increment: '5h' },
    });
    expect(res.status).toBe(200);
    expect(res.body.auth.lease_duration).toBe(90 * 60);
    expect(res.body.warnings[0]).toMatch(
      /^TTL of "5h0m0s" exceeded the effective max_ttl of "1h30m0s"; TTL value is capped accordingly$/,
    );
  });

  it('when a periodic token is renewed, then its TTL goes back to the period whatever the increment', async () => {
    const { auth } = await createTokenBody({ period: '10m' });
    expect(auth.lease_duration).toBe(600);
    clock.advance(8 * 60_000);
    const res = await v.call('POST', 'auth/token/renew-self', {
      token: auth.client_token,
      body: { increment: 7200 },
    });
    expect(res.body.auth.lease_duration).toBe(600);
    clock.advance(9 * 60_000);
    expect(
      (await v.call('GET', 'auth/token/lookup-self', { token: auth.client_token })).status,
    ).toBe(200);
  });

  it('when a token expires, then it gets 403 and so do its children', async () => {
    const parent = (await createTokenBody({ ttl: '10m', policies: ['maker'] })).auth
      .client_token as string;
    const child = (await createTokenBody({ ttl: '1h', policies: ['maker'] }, parent)).auth
      .client_token as string;
    expect((await v.call('GET', 'auth/token/lookup-self', { token: child })).status).toBe(200);
    clock.advance(11 * 60_000);
    expect((await v.call('GET', 'auth/token/lookup-self', { token: parent })).status).toBe(403);
    expect((await v.call('GET', 'auth/token/lookup-self', { token: child })).status).toBe(403);
  });

  it('when revoked (self, by token or by accessor), then the token and its children get 403; orphans survive', async () => {
    const a = (await createTokenBody({ policies: ['maker'] })).auth;
    const aChild = (await createTokenBody({ policies: ['maker'] }, a.client_token as string)).auth
      .client_token as string;
    const orphan = (
      await v.call('POST', 'auth/token/create-orphan', {
        token: a.client_token,
        body: { policies: ['maker'] },
      })
    ).body.auth;
    expect(orphan.orphan).toBe(true);
    expect((await v.call('POST', 'auth/token/revoke-self', { token: a.client_token })).status).toBe(
      204,
    );
    expect((await v.call('GET', 'auth/token/lookup-self', { token: a.client_token })).status).toBe(
      403,
    );
    expect((await v.call('GET', 'auth/token/lookup-self', { token: aChild })).status).toBe(403);
    expect(
      (await v.call('GET', 'auth/token/lookup-self', { token: orphan.client_token })).status,
    ).toBe(200);

    const b = (await createTokenBody({})).auth;
    expect(
      (await v.call('POST', 'auth/token/revoke', { body: { token: b.client_token } })).status,
    ).toBe(204);
    expect((await v.call('GET', 'auth/token/lookup-self', { token: b.client_token })).status).toBe(
      403,
    );

    const c = (await createTokenBody({})).auth;
    expect(
      (await v.call('POST', 'auth/token/revoke-accessor', { body: { accessor: c.accessor } }))
        .status,
    ).toBe(204);
    expect((await v.call('GET', 'auth/token/lookup-self', { token: c.client_token })).status).toBe(
      403,
    );
  });

  it('when looking up another token, then lookup returns it and lookup-accessor hides the id', async () => {
    const t = (await createTokenBody({ ttl: '1h' })).auth;
    const byToken = await v.call('POST', 'auth/token/lookup', { body: { token: t.client_token } });
    expect(byToken.body.data.id).toBe(t.client_token);
    const byAccessor = await v.call('POST', 'auth/token/lookup-accessor', {
      body: { accessor: t.accessor },
    });
    expect(byAccessor.body.data.id).toBe('');
    expect(byAccessor.body.data.accessor).toBe(t.accessor);
  });

  it('when a non-root token asks for policies it does not hold, or a period without sudo, then 400', async () => {
    await v.call('PUT', 'sys/policies/acl/creator', {
      body: { policy: 'path "auth/token/create" { capabilities = ["update"] }' },
    });
    const creator = (await createTokenBody({ policies: ['creator'] })).auth.client_token as string;
    const escalate = await v.call('POST', 'auth/token/create', {
      token: creator,
      body: { policies: ['root'] },
    });
    expect(escalate.status).toBe(400);
    const periodic = await v.call('POST', 'auth/token/create', {
      token: creator,
      body: { period: '1h' },
    });
    expect(periodic.status).toBe(400);
    expect(
      (
        await v.call('POST', 'auth/token/create', {
          token: creator,
          body: { policies: ['creator'] },
        })
      ).status,
    ).toBe(200);
  });

  it('when num_uses is set, then the token stops working after that many requests', async () => {
    const t = (await createTokenBody({ num_uses: 2 })).auth.client_token as string;
    expect((await v.call('GET', 'auth/token/lookup-self', { token: t })).status).toBe(200);
    expect((await v.call('GET', 'auth/token/lookup-self', { token: t })).status).toBe(200);
    expect((await v.call('GET', 'auth/token/lookup-self', { token: t })).status).toBe(403);
  });
});
