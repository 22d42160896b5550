import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, openVaultTarget, type VaultTarget } from './harness.js';

let target: VaultTarget;
let transit: string;

beforeAll(async () => {
  target = await openVaultTarget();
  transit = target.uniquePath('acl-transit');
  await target.client.mount({ mount_point: transit, type: 'transit' });
  await target.client.write(`${transit}/keys/k`, {});
});

afterAll(async () => {
  await target?.close();
});

async function tokenFor(rules: string): Promise<string> {
  const name = target.uniquePath('policy');
  await target.client.addPolicy({ name, rules });
  const res = (await target.client.write('auth/token/create', {
    policies: [name],
    ttl: '10m',
  })) as {
    auth: { client_token: string };
  };
  return res.auth.client_token;
}

const plaintext = Buffer.from('contract').toString('base64');

describe('ACL policies', () => {
  it('when a policy is written with node-vault, then it reads back, is listed and can be removed', async () => {
    const name = target.uniquePath('crud');
    const rules = 'path "secret/data/x" {\n  capabilities = ["read"]\n}\n';
    await target.client.addPolicy({ name, rules });
    const read = (await target.client.getPolicy({ name })) as {
      rules?: string;
      data?: { rules?: string };
    };
    expect(read.data?.rules ?? read.rules).toBe(rules);
    const listed = (await target.client.policies()) as { policies: string[] };
    expect(listed.policies).toContain(name);
    const modern = (await target.client.read(`sys/policies/acl/${name}`)) as {
      data: { policy: string };
    };
    expect(modern.data.policy).toBe(rules);
    await target.client.removePolicy({ name });
    expect((await failureOf(target.client.getPolicy({ name }))).response?.statusCode).toBe(404);
  });

  it('when a policy lacks update on transit/encrypt/k, then encrypting gets 403', async () => {
    const token = await tokenFor(
      `path "${transit}/encrypt/k" { capabilities = ["read", "create"] }\npath "${transit}/keys/k" { capabilities = ["read"] }`,
    );
    const failure = await failureOf(
      target.clientWith(token).write(`${transit}/encrypt/k`, { plaintext }),
    );
    expect(failure.response?.statusCode).toBe(403);
    expect(failure.message).toContain('permission denied');
  });

  it('when a policy has update on transit/encrypt/k, then encrypting works', async () => {
    const token = await tokenFor(`path "${transit}/encrypt/k" { capabilities = ["update"] }`);
    const res = (await target.clientWith(token).write(`${transit}/encrypt/k`, { plaintext })) as {
      data: { ciphertext: string };
    };
    expect(res.data.ciphertext).toMatch(/^vault:v1:/);
  });

  it('when a broad glob grants and a specific path denies, then deny wins on that path only', async () => {
    const token = await tokenFor(
      `path "${transit}/*" { capabilities = ["update"] }\npath "${transit}/encrypt/k" { capabilities = ["deny"] }`,
    );
    const client = target.clientWith(token);
    expect(
      (await failureOf(client.write(`${transit}/encrypt/k`, { plaintext }))).response?.statusCode,
    ).toBe(403);
    const enc = (await target.client.write(`${transit}/encrypt/k`, { plaintext })) as {
      data: { ciphertext: string };
    };
    const dec = (await client.write(`${transit}/decrypt/k`, {
      ciphertext: enc.data.ciphertext,
    })) as { data: { plaintext: string } };
    expect(dec.data.plaintext).toBe(plaintext);
  });

  it('when + matches one segment, then deeper paths are not granted', async () => {
    const token = await tokenFor(`path "${transit}/+/k" { capabilities = ["update"] }`);
    const client = target.clientWith(token);
    expect((await client.write(`${transit}/encrypt/k`, { plaintext })) as object).toHaveProperty(
      'data',
    );
    expect(
      (await failureOf(client.write(`${transit}/keys/k/rotate`, {}))).response?.statusCode,
    ).toBe(403);
  });

  it('when a policy only grants list on a path, then GET is refused and read allows it', async () => {
    const kv = target.uniquePath('acl-kv');
    await target.client.mount({ mount_point: kv, type: 'kv', options: { version: '2' } });
    await target.client.write(`${kv}/data/app`, { data: { a: 'b' } });
    const listOnly = await tokenFor(`path "${kv}/data/app" { capabilities = ["list"] }`);
    expect(
      (await failureOf(target.clientWith(listOnly).read(`${kv}/data/app`))).response?.statusCode,
    ).toBe(403);
    const reader = await tokenFor(`path "${kv}/data/app" { capabilities = ["read"] }`);
    expect(
      ((await target.clientWith(reader).read(`${kv}/data/app`)) as { data: { data: unknown } }).data
        .data,
    ).toEqual({ a: 'b' });
  });
});
