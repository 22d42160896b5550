import { LDAP_DIRECTORY, startLocalLdap, type LocalLdap } from '@flowstack/dev-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVaultTarget, type VaultTarget } from './harness.js';

/**
 * The LDAP auth method against a real directory (Debian's slapd, started from
 * infra/ldap/flowstack.ldif). The answers pinned here are hashicorp/vault
 * builtin/credential/ldap backend.go `Login` and path_login.go: every bind failure, whether the
 * password is wrong or the user does not exist, is the same 400, and a user in no group logs in
 * with the default policy and a warning. Against a real Vault, Vault must reach the directory at
 * the same address (run both on one machine).
 */

interface LoginBody {
  auth?: { policies: string[]; metadata: Record<string, string> | null; lease_duration: number };
  warnings?: string[] | null;
  errors?: string[];
}

let target: VaultTarget;
let ldap: LocalLdap;
let mount: string;
let policy: string;

async function login(username: string, password: string, at = mount) {
  const res = await target.fetch(`auth/${at}/login/${username}`, {
    method: 'POST',
    token: null,
    body: JSON.stringify({ password }),
  });
  return { status: res.status, body: (await res.json()) as LoginBody };
}

beforeAll(async () => {
  ldap = await startLocalLdap();
  target = await openVaultTarget();
  mount = target.uniquePath('ldap');
  policy = target.uniquePath('ldap-ops');
  await target.client.addPolicy({
    name: policy,
    rules: 'path "sys/mounts" { capabilities = ["read"] }',
  });
  await target.client.enableAuth({ mount_point: mount, type: 'ldap' });
  await target.client.write(`auth/${mount}/config`, {
    url: ldap.url,
    userdn: LDAP_DIRECTORY.userdn,
    userattr: LDAP_DIRECTORY.userattr,
    groupdn: LDAP_DIRECTORY.groupdn,
    groupattr: LDAP_DIRECTORY.groupattr,
    token_ttl: '1h',
  });
  await target.client.write(`auth/${mount}/groups/${LDAP_DIRECTORY.operatorsGroup}`, {
    policies: [policy],
  });
}, 60_000);

afterAll(async () => {
  await target?.close();
  await ldap?.stop();
});

const { operator, developer, noGroup } = LDAP_DIRECTORY.users;

describe('auth/ldap configuration', () => {
  it('when the config is read, then it shows the directory settings', async () => {
    const res = (await target.client.read(`auth/${mount}/config`)) as {
      data: Record<string, unknown>;
    };
    expect(res.data).toMatchObject({
      url: ldap.url,
      userdn: LDAP_DIRECTORY.userdn,
      userattr: 'uid',
      groupdn: LDAP_DIRECTORY.groupdn,
      groupattr: 'cn',
      deny_null_bind: true,
      token_ttl: 3600,
    });
  });

  it('when groups are listed and read, then the mapping is there', async () => {
    const list = (await target.client.list(`auth/${mount}/groups`)) as { data: { keys: string[] } };
    expect(list.data.keys).toEqual([LDAP_DIRECTORY.operatorsGroup]);
    const group = (await target.client.read(
      `auth/${mount}/groups/${LDAP_DIRECTORY.operatorsGroup}`,
    )) as { data: { policies: string[] } };
    expect(group.data.policies).toEqual([policy]);
  });
});

describe('auth/ldap/login', () => {
  it('when a member of the mapped group logs in, then the token carries the group policy', async () => {
    const res = await login(operator.username, operator.password);
    expect(res.status).toBe(200);
    expect(res.body.auth?.policies).toEqual(['default', policy].sort());
    expect(res.body.auth?.metadata).toEqual({ username: operator.username });
    expect(res.body.auth?.lease_duration).toBe(3600);
  });

  it('when the password is wrong, then Vault answers 400 failed to bind as user', async () => {
    const res = await login(operator.username, 'not-the-password');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(['ldap operation failed: failed to bind as user']);
  });

  it('when the user does not exist, then the answer is the same as for a wrong password', async () => {
    const res = await login('nobody-here', 'whatever');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(['ldap operation failed: failed to bind as user']);
  });

  it('when a user in no group logs in, then the token has only default, with Vault’s warning', async () => {
    const res = await login(noGroup.username, noGroup.password);
    expect(res.status).toBe(200);
    expect(res.body.auth?.policies).toEqual(['default']);
    expect(res.body.warnings).toContain(
      `no LDAP groups found in groupDN '${LDAP_DIRECTORY.groupdn}'; only policies from locally-defined groups available`,
    );
  });

  it('when a user is in a group Vault does not map, then the token has only default, without the warning', async () => {
    const res = await login(developer.username, developer.password);
    expect(res.status).toBe(200);
    expect(res.body.auth?.policies).toEqual(['default']);
    expect(res.body.warnings ?? []).toEqual([]);
  });

  it('when the password is empty, then Vault refuses before binding', async () => {
    const res = await login(operator.username, '');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      'password cannot be of zero length when passwordless binds are being denied',
    ]);
  });

  it('when the mount has no config, then login says so', async () => {
    const bare = target.uniquePath('ldap-bare');
    await target.client.enableAuth({ mount_point: bare, type: 'ldap' });
    const res = await login(operator.username, operator.password, bare);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toMatch(/not configured/);
  });
});
