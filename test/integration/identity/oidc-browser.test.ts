import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { OIDC_MOUNT } from '@flowstack/infra-vault';
import { DEMO_PEOPLE, startOidcProvider, type RunningOidcProvider } from '@flowstack/oidc-provider';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliCallback, type CliCallback } from './cli-callback.js';
import { startIdentityVault, type IdentityVault } from './identity-vault.js';

const CHROMIUM = '/usr/bin/chromium';
const INSTALL = fileURLToPath(
  new URL('../../../scripts/install-identity-tools.sh', import.meta.url),
);
const OUTPUT = fileURLToPath(new URL('./.output/', import.meta.url));

let provider: RunningOidcProvider;
let cli: CliCallback;
let vault: IdentityVault;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) execFileSync('bash', [INSTALL, 'chromium'], { stdio: 'inherit' });
  await mkdir(OUTPUT, { recursive: true });
  cli = await startCliCallback((query) =>
    vault.call('GET', `auth/${OIDC_MOUNT}/oidc/callback?${query.toString()}`, undefined, ''),
  );
  const client = { clientId: 'vault', clientSecret: `browser-test-${Date.now()}` };
  provider = await startOidcProvider({ clients: [{ ...client, redirectUris: [cli.redirectUri] }] });
  vault = await startIdentityVault({
    oidc: {
      discoveryUrl: provider.issuer,
      ...client,
      redirectUris: [cli.redirectUri],
      operatorsGroup: 'operators',
    },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await vault?.stop();
  await provider?.stop();
  await cli?.close();
});

async function authUrl(): Promise<string> {
  const res = await vault.call(
    'POST',
    `auth/${OIDC_MOUNT}/oidc/auth_url`,
    { redirect_uri: cli.redirectUri },
    '',
  );
  expect(res.status).toBe(200);
  return String(res.body.data?.['auth_url']);
}

/** Opens the login URL, signs in on the provider's page, and waits for Vault's answer. */
async function signIn(page: Page, person: { username: string; password: string }) {
  await page.goto(await authUrl());
  await page.fill('#username', person.username);
  await page.fill('#password', person.password);
  const answer = cli.next();
  await page.click('#sign-in');
  const reply = await answer;
  await page.waitForSelector('#outcome');
  return reply;
}

describe('a person signing in to Vault through the OIDC provider in a browser', () => {
  it('when an operator signs in, then the page lands on the callback and the token has admin and nothing else', async () => {
    const page = await browser.newPage();
    const reply = await signIn(page, DEMO_PEOPLE.operator);
    expect(new URL(page.url()).pathname).toBe('/oidc/callback');
    expect(await page.textContent('#outcome')).toBe('Signed in to Vault');
    await page.screenshot({ path: `${OUTPUT}oidc-operator-signed-in.png` });
    expect(reply.status).toBe(200);
    // "default" is Vault's own self-service policy (lookup-self, renew-self); admin is the only grant.
    expect(reply.body.auth?.policies).toEqual(['admin', 'default']);
    expect(reply.body.auth?.['identity_policies']).toEqual(['admin']);
    expect(reply.body.auth?.['lease_duration']).toBe(3600);
    const token = reply.body.auth?.client_token ?? '';
    const path = `kv/data/browser/${Date.now()}`;
    expect((await vault.call('POST', path, { data: { a: '1' } }, token)).status).toBe(200);
    expect((await vault.call('GET', 'sys/policies/acl/admin', undefined, token)).status).toBe(403);
    await page.close();
  });

  it('when someone outside the operators group signs in, then the token has no admin', async () => {
    const page = await browser.newPage();
    const reply = await signIn(page, DEMO_PEOPLE.developer);
    await page.screenshot({ path: `${OUTPUT}oidc-developer-signed-in.png` });
    expect(reply.status).toBe(200);
    expect(reply.body.auth?.policies).toEqual(['default']);
    const token = reply.body.auth?.client_token ?? '';
    expect((await vault.call('GET', 'kv/data/anything', undefined, token)).status).toBe(403);
    await page.close();
  });

  it('when the wrong password is typed, then the provider says so and Vault is never called', async () => {
    const page = await browser.newPage();
    const before = cli.results.length;
    await page.goto(await authUrl());
    await page.fill('#username', DEMO_PEOPLE.operator.username);
    await page.fill('#password', 'not-the-password');
    await page.click('#sign-in');
    expect(await page.textContent('[role=alert]')).toContain('Invalid username or password');
    expect(cli.results.length).toBe(before);
    await page.close();
  });

  it('when the callback page is loaded again (a replayed state), then Vault refuses it', async () => {
    const page = await browser.newPage();
    await signIn(page, DEMO_PEOPLE.operator);
    const callbackUrl = page.url();
    const replay = cli.next();
    await page.goto(callbackUrl);
    const reply = await replay;
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual(['Vault login failed. Expired or missing OAuth state.']);
    expect(await page.textContent('#outcome')).toBe('Vault login failed');
    await page.close();
  });

  it('when the state in the callback is forged, then Vault refuses it', async () => {
    const page = await browser.newPage();
    await page.goto(await authUrl());
    const forged = new URL(cli.redirectUri);
    forged.searchParams.set('state', '0'.repeat(40));
    forged.searchParams.set('code', 'stolen-code');
    const answer = cli.next();
    await page.goto(forged.toString());
    const reply = await answer;
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual(['Vault login failed. Expired or missing OAuth state.']);
    await page.close();
  });
});
