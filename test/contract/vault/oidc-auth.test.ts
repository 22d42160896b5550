import { DEMO_PEOPLE, startOidcProvider, type RunningOidcProvider } from '@flowstack/oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVaultTarget, type VaultTarget } from './harness.js';
import { signInAtProvider } from './oidc-flow.js';

/**
 * The OIDC auth method's browser flow, as hashicorp/vault-plugin-auth-jwt path_oidc.go runs it
 * (authURL, pathCallback) against a real OpenID Connect provider (oidc-provider, in-repo
 * workspace @flowstack/oidc-provider), with the groups claim mapped to a policy through an
 * external identity group. Against a real Vault, Vault must reach the provider at 127.0.0.1
 * (run both on one machine).
 */

interface Reply {
  status: number;
  body: {
    data?: Record<string, unknown>;
    auth?: {
      policies: string[];
      identity_policies: string[] | null;
      token_policies: string[];
      metadata: Record<string, string>;
    };
    errors?: string[];
  };
}

/** The loopback redirect the Vault CLI listens on; Vault matches loopback URIs on any port. */
const REDIRECT = 'http://localhost:8250/oidc/callback';
const CLIENT = { clientId: 'vault-contract', clientSecret: `secret-${Date.now()}` };

let target: VaultTarget;
let provider: RunningOidcProvider;
let mount: string;
let policy: string;

async function call(
  method: string,
  path: string,
  body?: unknown,
  token?: string | null,
): Promise<Reply> {
  const res = await target.fetch(path, {
    method,
    ...(token === undefined ? {} : { token }),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Reply['body']) };
}

async function authUrl(role = 'person', redirectUri = REDIRECT): Promise<Reply> {
  return call('POST', `auth/${mount}/oidc/auth_url`, { role, redirect_uri: redirectUri }, null);
}

async function callback(returned: URL): Promise<Reply> {
  const q = new URLSearchParams({
    state: returned.searchParams.get('state') ?? '',
    code: returned.searchParams.get('code') ?? '',
  });
  return call('GET', `auth/${mount}/oidc/callback?${q.toString()}`, undefined, null);
}

async function signIn(person: { username: string; password: string }): Promise<URL> {
  const url = String((await authUrl()).body.data?.['auth_url']);
  return signInAtProvider({ authUrl: url, redirectPrefix: REDIRECT, ...person });
}

beforeAll(async () => {
  provider = await startOidcProvider({ clients: [{ ...CLIENT, redirectUris: [REDIRECT] }] });
  target = await openVaultTarget();
  mount = target.uniquePath('oidc');
  policy = target.uniquePath('oidc-ops');
  await target.client.addPolicy({
    name: policy,
    rules: 'path "sys/mounts" { capabilities = ["read"] }',
  });
  await target.client.enableAuth({ mount_point: mount, type: 'oidc' });
  await target.client.write(`auth/${mount}/config`, {
    oidc_discovery_url: provider.issuer,
    oidc_client_id: CLIENT.clientId,
    oidc_client_secret: CLIENT.clientSecret,
    default_role: 'person',
  });
  await target.client.write(`auth/${mount}/role/person`, {
    role_type: 'oidc',
    allowed_redirect_uris: [REDIRECT],
    bound_audiences: [CLIENT.clientId],
    user_claim: 'sub',
    groups_claim: 'groups',
    oidc_scopes: ['profile', 'email', 'groups'],
    token_ttl: '15m',
  });
  const auths = (await target.client.auths()) as { data: Record<string, { accessor: string }> };
  const accessor = auths.data[`${mount}/`]?.accessor;
  const group = await call('POST', `identity/group/name/${policy}`, {
    type: 'external',
    policies: [policy],
  });
  expect([200, 204]).toContain(group.status);
  const read = await call('GET', `identity/group/name/${policy}`);
  const groupId = String(read.body.data?.['id']);
  target.onCleanup(() => call('DELETE', `identity/group/id/${groupId}`));
  const alias = await call('POST', 'identity/group-alias', {
    name: DEMO_PEOPLE.operator.groups[0],
    mount_accessor: accessor,
    canonical_id: groupId,
  });
  expect(alias.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await target?.close();
  await provider?.stop();
});

describe('auth/<oidc>/oidc/auth_url', () => {
  it('when asked for a login URL, then it points at the provider with client id, state, nonce and scopes', async () => {
    const res = await authUrl();
    expect(res.status).toBe(200);
    const url = new URL(String(res.body.data?.['auth_url']));
    expect(url.href.startsWith(`${provider.issuer}/`)).toBe(true);
    expect(url.searchParams.get('client_id')).toBe(CLIENT.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining(['openid', 'groups']),
    );
    expect(url.searchParams.get('state')).toMatch(/^[0-9a-f]{40}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[0-9a-f]{40}$/);
  });

  it('when the loopback redirect uses another port, then it is still allowed (RFC 8252)', async () => {
    const res = await authUrl('person', 'http://localhost:41234/oidc/callback');
    expect(String(res.body.data?.['auth_url'])).toContain(provider.issuer);
  });

  it('when the redirect URI is not allowed, then the URL is empty and no reason is given', async () => {
    const res = await authUrl('person', 'https://evil.example/oidc/callback');
    expect(res.status).toBe(200);
    expect(res.body.data?.['auth_url']).toBe('');
  });

  it('when the role does not exist, then Vault says so', async () => {
    const res = await authUrl('nobody');
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toBe('role "nobody" could not be found');
  });
});

describe('auth/<oidc>/oidc/callback', () => {
  it('when a member of the operators group signs in, then the token has the group policy as an identity policy', async () => {
    const res = await callback(await signIn(DEMO_PEOPLE.operator));
    expect(res.status).toBe(200);
    expect(res.body.auth?.identity_policies).toEqual([policy]);
    expect(res.body.auth?.policies).toEqual(['default', policy].sort());
    expect(res.body.auth?.metadata).toMatchObject({ role: 'person' });
  });

  it('when someone outside the group signs in, then the token has no group policy', async () => {
    const res = await callback(await signIn(DEMO_PEOPLE.developer));
    expect(res.status).toBe(200);
    expect(res.body.auth?.policies).toEqual(['default']);
    expect(res.body.auth?.identity_policies ?? []).toEqual([]);
  });

  it('when a callback is replayed, then the second one is refused', async () => {
    const returned = await signIn(DEMO_PEOPLE.operator);
    expect((await callback(returned)).status).toBe(200);
    const replay = await callback(returned);
    expect(replay.status).toBe(400);
    expect(replay.body.errors?.[0]).toBe('Vault login failed. Expired or missing OAuth state.');
  });

  it('when the state is forged, then the login is refused before the code is used', async () => {
    const returned = await signIn(DEMO_PEOPLE.operator);
    returned.searchParams.set('state', 'f'.repeat(40));
    const res = await callback(returned);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toBe('Vault login failed. Expired or missing OAuth state.');
  });

  it('when the code is not the one the provider issued, then the exchange fails', async () => {
    const returned = await signIn(DEMO_PEOPLE.operator);
    returned.searchParams.set('code', 'not-a-code');
    const res = await callback(returned);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toContain('Error exchanging oidc code');
  });
});
