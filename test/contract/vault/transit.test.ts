import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, openVaultTarget, type VaultTarget } from './harness.js';

let target: VaultTarget;
let prefix: string;
let transitClient: ReturnType<VaultTarget['scopedClient']>;

beforeAll(async () => {
  target = await openVaultTarget();
  // node-vault's transit commands use the fixed path "transit/": mount it under a unique prefix
  // and send them through a client whose paths carry that prefix.
  prefix = target.uniquePath('transit');
  await target.client.mount({ mount_point: `${prefix}/transit`, type: 'transit' });
  transitClient = target.scopedClient(prefix);
});

afterAll(async () => {
  await target?.close();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const text = (b: string) => Buffer.from(b, 'base64').toString();

describe('transit', () => {
  it('when data is encrypted and decrypted with node-vault, then the plaintext round-trips and the ciphertext is vault:v1:', async () => {
    await transitClient.transitCreateKey({ name: 'orders' });
    const enc = (await transitClient.encryptData({
      name: 'orders',
      plaintext: b64('order 42'),
    })) as { data: { ciphertext: string } };
    expect(enc.data.ciphertext).toMatch(/^vault:v1:[A-Za-z0-9+/=]+$/);
    const dec = (await transitClient.decryptData({
      name: 'orders',
      ciphertext: enc.data.ciphertext,
    })) as { data: { plaintext: string } };
    expect(text(dec.data.plaintext)).toBe('order 42');
    const key = (await transitClient.transitReadKey({ name: 'orders' })) as {
      data: { type: string; keys: Record<string, number> };
    };
    expect(key.data.type).toBe('aes256-gcm96');
    expect(Object.keys(key.data.keys)).toEqual(['1']);
  });

  it('when the key is rotated, then rewrap moves old ciphertext to v2 and min_decryption_version refuses v1', async () => {
    await transitClient.transitCreateKey({ name: 'rot' });
    const v1 = (
      (await transitClient.encryptData({ name: 'rot', plaintext: b64('keep me') })) as {
        data: { ciphertext: string };
      }
    ).data.ciphertext;
    await target.client.write(`${prefix}/transit/keys/rot/rotate`, {});
    const rewrapped = (
      (await transitClient.rewrapData({ name: 'rot', ciphertext: v1 })) as {
        data: { ciphertext: string };
      }
    ).data.ciphertext;
    expect(rewrapped).toMatch(/^vault:v2:/);
    await target.client.write(`${prefix}/transit/keys/rot/config`, { min_decryption_version: 2 });
    const failure = await failureOf(transitClient.decryptData({ name: 'rot', ciphertext: v1 }));
    expect(failure.response?.statusCode).toBe(400);
    expect(failure.message).toContain('too old');
    const dec = (await transitClient.decryptData({ name: 'rot', ciphertext: rewrapped })) as {
      data: { plaintext: string };
    };
    expect(text(dec.data.plaintext)).toBe('keep me');
  });

  it('when batch_input is sent, then batch_results come back in order', async () => {
    await transitClient.transitCreateKey({ name: 'batch' });
    const enc = (await target.client.write(`${prefix}/transit/encrypt/batch`, {
      batch_input: [{ plaintext: b64('one') }, { plaintext: b64('two') }],
    })) as { data: { batch_results: { ciphertext: string }[] } };
    expect(enc.data.batch_results).toHaveLength(2);
    const dec = (await target.client.write(`${prefix}/transit/decrypt/batch`, {
      batch_input: enc.data.batch_results.map((r) => ({ ciphertext: r.ciphertext })),
    })) as { data: { batch_results: { plaintext: string }[] } };
    expect(dec.data.batch_results.map((r) => text(r.plaintext))).toEqual(['one', 'two']);
  });

  it('when a data key is generated, then its ciphertext decrypts to its plaintext', async () => {
    await transitClient.transitCreateKey({ name: 'dk' });
    const dk = (await target.client.write(`${prefix}/transit/datakey/plaintext/dk`, {})) as {
      data: { plaintext: string; ciphertext: string };
    };
    expect(Buffer.from(dk.data.plaintext, 'base64')).toHaveLength(32);
    const dec = (await transitClient.decryptData({
      name: 'dk',
      ciphertext: dk.data.ciphertext,
    })) as { data: { plaintext: string } };
    expect(dec.data.plaintext).toBe(dk.data.plaintext);
  });
});
