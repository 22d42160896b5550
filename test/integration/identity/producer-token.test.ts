import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VAULT_NAMES } from '@flowstack/vault/paths';
import { startIdentityVault, type IdentityVault } from './identity-vault.js';

const CLI = fileURLToPath(
  new URL('../../../infra/vault/dist/producer-token-cli.js', import.meta.url),
);
const run = promisify(execFile);

let vault: IdentityVault;
let issuerToken: string;
let producer: string;

/** The command as a CI job runs it: token on stdout, nothing else there. */
async function mintWithCli(
  token: string,
  name = 'ci-orders-import',
): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [CLI, '--name', name, '--meta', 'team=data'], {
    env: { PATH: process.env['PATH'] ?? '', VAULT_ADDR: vault.url, VAULT_TOKEN: token },
  });
}

beforeAll(async () => {
  vault = await startIdentityVault();
  const issuer = await vault.call('POST', 'auth/token/create', {
    policies: ['producer-issuer'],
    ttl: '10m',
  });
  expect(issuer.status).toBe(200);
  issuerToken = issuer.body.auth?.client_token ?? '';
  const { stdout } = await mintWithCli(issuerToken);
  producer = stdout.trim();
});

afterAll(async () => {
  await vault?.stop();
});

describe('the producer token command', () => {
  it('when run with an issuer token, then stdout is the token alone and stderr never shows it', async () => {
    const { stdout, stderr } = await mintWithCli(issuerToken, 'partner-shop');
    expect(stdout).toMatch(/^hvs\.[A-Za-z0-9]+\n$/);
    expect(stderr).toContain('accessor');
    expect(stderr).not.toContain(stdout.trim());
  });

  it('when run without a token allowed to mint, then it exits non-zero with Vault’s refusal', async () => {
    const denied = await vault.call('POST', 'auth/token/create', { policies: ['producer'] });
    const token = denied.body.auth?.client_token ?? '';
    const failure = await mintWithCli(token).then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr).toContain('403');
  });

  it('when looked up, then the token is an orphan, periodic, bounded, with producer and default only', async () => {
    const look = await vault.call('GET', 'auth/token/lookup-self', undefined, producer);
    expect(look.status).toBe(200);
    expect(look.body.data).toMatchObject({
      policies: ['default', 'producer'],
      orphan: true,
      period: 86_400,
      explicit_max_ttl: 2_592_000,
      display_name: 'token-ci-orders-import',
      meta: { team: 'data' },
    });
  });
});

describe('what a producer token may do', () => {
  it('when it writes a KV secret, then Vault accepts it, and reading it back is denied', async () => {
    const path = `kv/data/partners/${Date.now()}`;
    const write = await vault.call('POST', path, { data: { apiKey: 'example' } }, producer);
    expect(write.status).toBe(200);
    expect((await vault.call('GET', path, undefined, producer)).status).toBe(403);
    expect((await vault.call('GET', path)).body.data?.['data']).toEqual({ apiKey: 'example' });
  });

  it('when it issues a certificate from the intermediate, then it gets one', async () => {
    const res = await vault.call(
      'POST',
      `pki_int/issue/${VAULT_NAMES.pkiRole}`,
      { common_name: VAULT_NAMES.apiCertificateName, ttl: '1h' },
      producer,
    );
    expect(res.status).toBe(200);
    expect(String(res.body.data?.['certificate'])).toContain('BEGIN CERTIFICATE');
  });

  it('when it encrypts, then it gets a ciphertext, and decrypting that ciphertext is denied', async () => {
    const plaintext = Buffer.from('ada@example.com').toString('base64');
    const enc = await vault.call('POST', 'transit/encrypt/orders-pii', { plaintext }, producer);
    expect(enc.status).toBe(200);
    const ciphertext = String(enc.body.data?.['ciphertext']);
    expect(ciphertext).toMatch(/^vault:v\d+:/);
    const dec = await vault.call('POST', 'transit/decrypt/orders-pii', { ciphertext }, producer);
    expect(dec.status).toBe(403);
    // The ciphertext is good: the refusal is the policy's, not a broken value.
    expect((await vault.call('POST', 'transit/decrypt/orders-pii', { ciphertext })).status).toBe(
      200,
    );
  });

  it('when it tries to create a broader token, directly or through the role, then Vault refuses', async () => {
    const direct = await vault.call('POST', 'auth/token/create', { policies: ['admin'] }, producer);
    expect(direct.status).toBe(403);
    const orphan = await vault.call('POST', 'auth/token/create-orphan', {}, producer);
    expect(orphan.status).toBe(403);
    const viaRole = await vault.call(
      'POST',
      'auth/token/create/producer',
      { policies: ['admin'] },
      producer,
    );
    expect(viaRole.status).toBe(403);
    // Even the issuer, which may use the role, cannot widen it.
    const widened = await vault.call(
      'POST',
      'auth/token/create/producer',
      { policies: ['producer', 'admin'] },
      issuerToken,
    );
    expect(widened.status).toBe(400);
  });
});
