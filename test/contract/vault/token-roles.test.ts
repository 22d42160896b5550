import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVaultTarget, type VaultTarget } from './harness.js';

/**
 * Token roles as hashicorp/vault `vault/token_store.go` implements them (`pathsRoles`,
 * `handleCreateAgainstRole`, the role branch of `handleCreateCommon`): what flowstack's
 * `producer` service accounts rely on.
 */

interface Auth {
  client_token: string;
  policies: string[];
  lease_duration: number;
  renewable: boolean;
  orphan: boolean;
}

let target: VaultTarget;
let allowed: string;
let other: string;
let issuer: string;
let role: string;

async function call(
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> & { errors?: string[] } }> {
  const res = await target.fetch(path, {
    method,
    ...(token === undefined ? {} : { token }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as never) };
}

beforeAll(async () => {
  target = await openVaultTarget();
  allowed = target.uniquePath('svc');
  other = target.uniquePath('broad');
  issuer = target.uniquePath('issuer');
  role = target.uniquePath('role');
  for (const name of [allowed, other]) {
    await target.client.addPolicy({ name, rules: 'path "sys/mounts" { capabilities = ["read"] }' });
  }
  // The issuer may mint from the role only: no sudo, no other token paths.
  await target.client.addPolicy({
    name: issuer,
    rules: `path "auth/token/create/${role}" { capabilities = ["update"] }`,
  });
  const written = await call('POST', `auth/token/roles/${role}`, {
    allowed_policies: [allowed],
    disallowed_policies: [other],
    orphan: true,
    token_period: '1h',
    token_explicit_max_ttl: '24h',
  });
  expect(written.status).toBe(204);
  target.onCleanup(() => call('DELETE', `auth/token/roles/${role}`));
});

afterAll(async () => {
  await target?.close();
});

async function issuerToken(): Promise<string> {
  const res = await call('POST', 'auth/token/create', { policies: [issuer], ttl: '10m' });
  expect(res.status).toBe(200);
  return (res.body['auth'] as Auth).client_token;
}

describe('auth/token/roles', () => {
  it('when a role is read, then it shows its policies, orphan flag and TTLs in seconds', async () => {
    const res = await call('GET', `auth/token/roles/${role}`);
    expect(res.status).toBe(200);
    expect(res.body['data']).toMatchObject({
      name: role,
      allowed_policies: [allowed],
      disallowed_policies: [other],
      orphan: true,
      renewable: true,
      token_period: 3600,
      token_explicit_max_ttl: 86_400,
      path_suffix: '',
    });
  });

  it('when roles are listed, then the role is among the keys', async () => {
    const res = await call('LIST', 'auth/token/roles');
    expect(res.status).toBe(200);
    expect((res.body['data'] as { keys: string[] }).keys).toContain(role);
  });

  it('when an unknown role is read, then the answer is 404', async () => {
    expect((await call('GET', `auth/token/roles/${role}-missing`)).status).toBe(404);
  });
});

describe('auth/token/create/:role', () => {
  it('when a caller without sudo creates against the role, then the token is an orphan, periodic token with the role policy and default', async () => {
    const res = await call('POST', `auth/token/create/${role}`, {}, await issuerToken());
    expect(res.status).toBe(200);
    const auth = res.body['auth'] as Auth;
    expect(auth.policies).toEqual([allowed, 'default'].sort());
    expect(auth.orphan).toBe(true);
    expect(auth.lease_duration).toBe(3600);
    const look = await call('GET', 'auth/token/lookup-self', undefined, auth.client_token);
    expect(look.body['data']).toMatchObject({
      orphan: true,
      period: 3600,
      explicit_max_ttl: 86_400,
      path: `auth/token/create/${role}`,
    });
  });

  it('when the parent token is revoked, then the orphan it minted stays valid', async () => {
    const parent = await issuerToken();
    const child = (
      (await call('POST', `auth/token/create/${role}`, {}, parent)).body['auth'] as Auth
    ).client_token;
    expect((await call('POST', 'auth/token/revoke-self', {}, parent)).status).toBe(204);
    expect((await call('GET', 'auth/token/lookup-self', undefined, child)).status).toBe(200);
  });

  it('when a policy outside allowed_policies is asked for, then Vault refuses with 400', async () => {
    const res = await call('POST', `auth/token/create/${role}`, { policies: ['admin'] });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toContain("must be subset of the role's allowed policies");
  });

  it('when a disallowed policy is asked for, then Vault names it', async () => {
    const res = await call('POST', `auth/token/create/${role}`, { policies: [allowed, other] });
    expect(res.status).toBe(400);
    expect(res.body.errors?.join(' ')).toMatch(/disallowed by this role|must be subset/);
  });

  it('when a longer explicit_max_ttl is asked for, then the role caps it with a warning', async () => {
    const res = await call('POST', `auth/token/create/${role}`, { explicit_max_ttl: '48h' });
    expect(res.status).toBe(200);
    const auth = res.body['auth'] as Auth;
    const look = await call('GET', 'auth/token/lookup-self', undefined, auth.client_token);
    expect((look.body['data'] as { explicit_max_ttl: number }).explicit_max_ttl).toBe(86_400);
  });

  it('when a caller without sudo asks for its own period, then Vault refuses', async () => {
    const res = await call(
      'POST',
      `auth/token/create/${role}`,
      { period: '5m' },
      await issuerToken(),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toBe('root or sudo privileges required to create periodic token');
  });

  it('when the issuer calls plain auth/token/create, then it is denied', async () => {
    const res = await call(
      'POST',
      'auth/token/create',
      { policies: [issuer] },
      await issuerToken(),
    );
    expect(res.status).toBe(403);
  });

  it('when the role does not exist, then the answer is 400 unknown role', async () => {
    const res = await call('POST', `auth/token/create/${role}-missing`, {});
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toBe(`unknown role ${role}-missing`);
  });
});
