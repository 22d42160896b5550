import { LDAP_DIRECTORY, startLocalLdap, type LocalLdap } from '@flowstack/dev-stack';
import { LDAP_DEFAULTS } from '@flowstack/infra-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentityVault, type IdentityVault } from './identity-vault.js';

let ldap: LocalLdap;
let vault: IdentityVault;

beforeAll(async () => {
  ldap = await startLocalLdap();
  vault = await startIdentityVault({ ldap: { ...LDAP_DEFAULTS, url: ldap.url } });
}, 60_000);

afterAll(async () => {
  await vault?.stop();
  await ldap?.stop();
});

async function login(user: { username: string; password: string }) {
  return vault.call('POST', `auth/ldap/login/${user.username}`, { password: user.password }, '');
}

describe('a person logging in through LDAP, as the bootstrap configures it', () => {
  it('when an operator logs in, then the token has admin and may manage secrets but not Vault itself', async () => {
    const res = await login(LDAP_DIRECTORY.users.operator);
    expect(res.status).toBe(200);
    expect(res.body.auth?.policies).toEqual(['admin', 'default']);
    expect(res.body.auth?.['lease_duration']).toBe(3600);
    const token = res.body.auth?.client_token ?? '';
    const path = `kv/data/operators/${Date.now()}`;
    expect((await vault.call('POST', path, { data: { note: 'x' } }, token)).status).toBe(200);
    expect((await vault.call('GET', path, undefined, token)).status).toBe(200);
    expect(
      (await vault.call('POST', 'sys/policies/acl/escalate', { policy: '' }, token)).status,
    ).toBe(403);
    expect(
      (await vault.call('POST', 'auth/token/create', { policies: ['root'] }, token)).status,
    ).toBe(403);
  });

  it('when a developer outside the operators group logs in, then the token has no admin', async () => {
    const res = await login(LDAP_DIRECTORY.users.developer);
    expect(res.status).toBe(200);
    expect(res.body.auth?.policies).toEqual(['default']);
    const token = res.body.auth?.client_token ?? '';
    expect((await vault.call('GET', 'kv/data/anything', undefined, token)).status).toBe(403);
  });

  it('when the password is wrong, then no token is issued', async () => {
    const res = await login({ username: LDAP_DIRECTORY.users.operator.username, password: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body.auth).toBeUndefined();
  });

  it('when the bootstrap runs again, then the LDAP settings are unchanged', async () => {
    const { bootstrapVault, DEFAULTS } = await import('@flowstack/infra-vault');
    const report = await bootstrapVault({
      ...DEFAULTS,
      auditFilePath: 'discard',
      address: vault.url,
      token: vault.rootToken,
      ldap: { ...LDAP_DEFAULTS, url: ldap.url },
    });
    const ldapSteps = report.steps.filter((s) => s.resource.includes('ldap'));
    expect(ldapSteps.map((s) => s.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });
});
