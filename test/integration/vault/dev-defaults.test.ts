import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVaultStack, type VaultStack } from './vault-stack.js';

/** The local stack's defaults are closed (F17): no well-known token, no admin in the services. */
let vault: VaultStack;
let closed = false;

beforeAll(async () => {
  vault = await startVaultStack({
    credentialTtl: '5m',
    credentialMaxTtl: '10m',
    // What `npm run dev` sets without Vault: it must not reach the services with Vault on.
    env: { RABBITMQ_USER: 'guest', RABBITMQ_PASSWORD: 'guest' },
  });
}, 120_000);

afterAll(async () => {
  if (!closed) await vault?.close();
});

async function environmentOf(pid: number | undefined): Promise<Map<string, string>> {
  const text = await readFile(`/proc/${String(pid)}/environ`, 'utf8');
  return new Map(
    text
      .split('\0')
      .filter((entry) => entry.includes('='))
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

describe('the local stack with Vault', () => {
  it("when api and worker run, then neither has RabbitMQ's guest or any static credential in its environment", async () => {
    for (const service of [vault.stack.api, vault.stack.worker]) {
      const env = await environmentOf(service.child.pid);
      expect([service.name, env.get('VAULT_AUTH_METHOD')]).toEqual([service.name, 'jwt']);
      for (const key of ['RABBITMQ_USER', 'RABBITMQ_PASSWORD', 'POSTGRES_PASSWORD']) {
        expect([service.name, key, env.has(key)]).toEqual([service.name, key, false]);
      }
    }
  });

  it('when someone tries the well-known root token, then the double refuses it; the run has its own, random one', async () => {
    const url = vault.stack.vault!.url;
    const lookup = (token: string) =>
      fetch(`${url}/v1/auth/token/lookup-self`, { headers: { 'x-vault-token': token } });
    expect((await lookup('root')).status).toBe(403);
    const own = vault.stack.vault!.rootToken;
    expect(own).toMatch(/^hvs\.[\w-]{32}$/);
    expect((await lookup(own)).status).toBe(200);
  });

  it('when the stack stops, then its folder of workload JWTs and audit log is gone', async () => {
    const folder = dirname(dirname(dirname(vault.stack.vault!.serviceEnv('api').VAULT_JWT_FILE!)));
    expect(JSON.parse(await readFile(`${folder}/owner.json`, 'utf8'))).toEqual({
      pid: process.pid,
    });
    closed = true;
    await vault.close();
    await expect(stat(folder)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
