import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentityVault, type IdentityVault } from './identity-vault.js';

const SCRIPT = fileURLToPath(new URL('../../../infra/dev-cluster/agent-tls.sh', import.meta.url));
const run = promisify(execFile);

let vault: IdentityVault;
let dir: string;
let token: string;

const agentTls = () =>
  run('bash', [SCRIPT, dir], {
    env: { PATH: process.env['PATH'] ?? '', VAULT_ADDR: vault.url, VAULT_TOKEN: token },
  });

beforeAll(async () => {
  vault = await startIdentityVault();
  dir = await mkdtemp(join(tmpdir(), 'agent-tls-'));
  const created = await vault.call('POST', 'auth/token/create', {
    policies: ['agent-tls'],
    ttl: '10m',
  });
  token = created.body.auth?.client_token ?? '';
});

afterAll(async () => {
  await vault?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the agents’ TLS from Vault (infra/dev-cluster/agent-tls.sh)', () => {
  it('when run, then each agent gets a certificate for the name its peers verify, chained to the root', async () => {
    const { stdout } = await agentTls();
    expect(stdout.match(/issued/g)).toHaveLength(3);
    const rootPem = await (await fetch(`${vault.url}/v1/pki/ca/pem`)).text();
    const root = new X509Certificate(rootPem);
    const chain = (await readFile(join(dir, 'ca.pem'), 'utf8')).match(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
    );
    const intermediate = new X509Certificate(chain?.[0] ?? '');
    expect(intermediate.verify(root.publicKey)).toBe(true);
    for (const [name, dns] of [
      ['consul-server', 'server.dc1.consul'],
      ['nomad-server', 'server.global.nomad'],
      ['nomad-client', 'client.global.nomad'],
    ] as const) {
      const cert = new X509Certificate(await readFile(join(dir, `${name}.pem`), 'utf8'));
      expect(cert.subjectAltName).toContain(`DNS:${dns}`);
      expect(cert.subjectAltName).toContain('DNS:localhost');
      expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(cert.verify(intermediate.publicKey)).toBe(true);
      expect((await stat(join(dir, `${name}-key.pem`))).mode & 0o077).toBe(0);
    }
  });

  it('when run again while the certificates are fresh, then nothing is re-issued', async () => {
    const before = await readFile(join(dir, 'consul-server.pem'), 'utf8');
    const { stdout } = await agentTls();
    expect(stdout).toBe('');
    expect(await readFile(join(dir, 'consul-server.pem'), 'utf8')).toBe(before);
  });

  it('when the token may not issue, then the script fails and keeps the files it had', async () => {
    await rm(join(dir, 'nomad-client.pem'));
    const failure = await run('bash', [SCRIPT, dir], {
      env: { PATH: process.env['PATH'] ?? '', VAULT_ADDR: vault.url, VAULT_TOKEN: 'hvs.invalid' },
    }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stderr: string },
    );
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toContain('Vault refused');
    expect((await stat(join(dir, 'consul-server.pem'))).size).toBeGreaterThan(0);
  });
});
