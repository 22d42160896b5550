import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDouble, type TestDouble } from '../../test/http-double.js';

let v: TestDouble;
beforeAll(async () => {
  v = await startTestDouble();
  await v.call('POST', 'sys/auth/approle', { body: { type: 'approle' } });
});
afterAll(async () => {
  await v.stop();
});

describe('AppRole auth', () => {
  it('when logging in with the role id and a secret id, then a token with the role policies and TTL comes back', async () => {
    await v.call('POST', 'auth/approle/role/worker', {
      body: { token_policies: 'worker,queue', token_ttl: '20m', token_max_ttl: '1h' },
    });
    const roleId = (await v.call('GET', 'auth/approle/role/worker/role-id')).body.data
      .role_id as string;
    const secret = (await v.call('POST', 'auth/approle/role/worker/secret-id')).body.data;
    expect(secret.secret_id_accessor).toBeTruthy();
    const res = await v.call('POST', 'auth/approle/login', {
      token: null,
      body: { role_id: roleId, secret_id: secret.secret_id },
    });
    expect(res.status).toBe(200);
    expect(res.body.auth.policies).toEqual(['default', 'queue', 'worker']);
    expect(res.body.auth.lease_duration).toBe(1200);
    expect(res.body.auth.metadata).toEqual({ role_name: 'worker' });
    const renew = await v.call('POST', 'auth/token/renew-self', {
      token: res.body.auth.client_token,
      body: { increment: '2h' },
    });
    expect(renew.body.auth.lease_duration).toBeLessThanOrEqual(3600);
    expect(renew.body.warnings[0]).toContain('capped');
  });

  it('when the secret id is wrong, then 400 invalid role or secret ID', async () => {
    await v.call('POST', 'auth/approle/role/bad', { body: { token_policies: ['x'] } });
    const roleId = (await v.call('GET', 'auth/approle/role/bad/role-id')).body.data
      .role_id as string;
    const res = await v.call('POST', 'auth/approle/login', {
      token: null,
      body: { role_id: roleId, secret_id: 'nope' },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(['invalid role or secret ID']);
  });

  it('when a secret id has num_uses 1, then the second login with it fails', async () => {
    await v.call('POST', 'auth/approle/role/once', { body: { secret_id_num_uses: 1 } });
    const roleId = (await v.call('GET', 'auth/approle/role/once/role-id')).body.data
      .role_id as string;
    const secretId = (await v.call('POST', 'auth/approle/role/once/secret-id')).body.data
      .secret_id as string;
    const body = { role_id: roleId, secret_id: secretId };
    expect((await v.call('POST', 'auth/approle/login', { token: null, body })).status).toBe(200);
    expect((await v.call('POST', 'auth/approle/login', { token: null, body })).status).toBe(400);
  });
});
