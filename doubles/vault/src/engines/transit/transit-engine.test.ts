import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../../test/http-double.js';
import { createClock } from '../../core/clock.js';
import type { EngineRequest, Operation, PersistentEngine, TokenEntry } from '../../core/types.js';
import { createTransitEngine } from './transit-engine.js';

const token: TokenEntry = {
  id: 't',
  accessor: 'a',
  policies: ['root'],
  displayName: 'root',
  meta: {},
  entityAliasMetadata: {},
  expiresAt: undefined,
};

function engine(): {
  e: PersistentEngine;
  call: (op: Operation, path: string, body?: Record<string, unknown>) => Promise<Json>;
} {
  const e: PersistentEngine = createTransitEngine({
    mountPath: 'transit/',
    clock: createClock({ manual: true }),
    leases: {
      issue: () => {
        throw new Error('no leases in transit');
      },
    },
    options: {},
  });
  const call = async (op: Operation, path: string, body: Record<string, unknown> = {}) => {
    const req: EngineRequest = {
      operation: op,
      mountPath: 'transit/',
      path,
      body,
      query: new URLSearchParams(),
      token,
    };
    return e.handle(req);
  };
  return { e, call };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('transit engine', () => {
  it('when encrypting, then the ciphertext is vault:v1: + base64(nonce || AES-256-GCM ciphertext || tag) under the key', async () => {
    const { e, call } = engine();
    await call('create', 'keys/k', {});
    const res = await call('update', 'encrypt/k', { plaintext: b64('the quick brown fox') });
    const ciphertext: string = res.data.ciphertext;
    expect(ciphertext).toMatch(/^vault:v1:/);
    const raw = Buffer.from(ciphertext.slice('vault:v1:'.length), 'base64');
    const state = e.snapshot() as {
      keys: Record<string, { versions: Record<string, { key: string }> }>;
    };
    const key = Buffer.from(state.keys['k']!.versions['1']!.key, 'base64');
    expect(key.length).toBe(32);
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const plain = Buffer.concat([
      decipher.update(raw.subarray(12, raw.length - 16)),
      decipher.final(),
    ]);
    expect(plain.toString()).toBe('the quick brown fox');
  });

  it('when decrypting what it encrypted, then the base64 plaintext comes back', async () => {
    const { call } = engine();
    await call('create', 'keys/k', {});
    const enc = await call('update', 'encrypt/k', { plaintext: b64('hello') });
    const dec = await call('update', 'decrypt/k', { ciphertext: enc.data.ciphertext });
    expect(Buffer.from(dec.data.plaintext as string, 'base64').toString()).toBe('hello');
  });

  it('when rotated, then new ciphertexts use v2, rewrap upgrades v1, and min_decryption_version refuses v1', async () => {
    const { call } = engine();
    await call('create', 'keys/k', {});
    const v1 = (await call('update', 'encrypt/k', { plaintext: b64('data') })).data
      .ciphertext as string;
    const rotated = await call('update', 'keys/k/rotate');
    expect(rotated.data.latest_version).toBe(2);
    const v2 = (await call('update', 'encrypt/k', { plaintext: b64('data') })).data
      .ciphertext as string;
    expect(v2).toMatch(/^vault:v2:/);
    const rewrapped = (await call('update', 'rewrap/k', { ciphertext: v1 })).data
      .ciphertext as string;
    expect(rewrapped).toMatch(/^vault:v2:/);
    await call('update', 'keys/k/config', { min_decryption_version: 2 });
    await expect(call('update', 'decrypt/k', { ciphertext: v1 })).rejects.toMatchObject({
      status: 400,
      message: 'ciphertext or signature version is disallowed by policy (too old)',
    });
    const dec = await call('update', 'decrypt/k', { ciphertext: rewrapped });
    expect(Buffer.from(dec.data.plaintext as string, 'base64').toString()).toBe('data');
  });

  it('when given batch_input, then batch_results hold one result or error per item and the status is 400 if any failed', async () => {
    const { call } = engine();
    await call('create', 'keys/k', {});
    const ok = await call('update', 'encrypt/k', {
      batch_input: [{ plaintext: b64('a') }, { plaintext: b64('b') }],
    });
    expect(ok.status).toBe(200);
    expect(ok.data.batch_results).toHaveLength(2);
    const mixed = await call('update', 'decrypt/k', {
      batch_input: [
        { ciphertext: ok.data.batch_results[0].ciphertext },
        { ciphertext: 'not-a-ciphertext' },
      ],
    });
    expect(mixed.status).toBe(400);
    expect(Buffer.from(mixed.data.batch_results[0].plaintext as string, 'base64').toString()).toBe(
      'a',
    );
    expect(mixed.data.batch_results[1].error).toContain('invalid ciphertext');
  });

  it('when a ciphertext is tampered with, then decrypt fails with 400', async () => {
    const { call } = engine();
    await call('create', 'keys/k', {});
    const ct = (await call('update', 'encrypt/k', { plaintext: b64('secret') })).data
      .ciphertext as string;
    const raw = Buffer.from(ct.slice(9), 'base64');
    raw[14] = (raw[14] ?? 0) ^ 0xff;
    await expect(
      call('update', 'decrypt/k', { ciphertext: `vault:v1:${raw.toString('base64')}` }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('when a wrapped data key is decrypted, then it equals the plaintext data key', async () => {
    const { call } = engine();
    await call('create', 'keys/k', {});
    const dk = await call('update', 'datakey/plaintext/k', {});
    expect(Buffer.from(dk.data.plaintext as string, 'base64').length).toBe(32);
    const dec = await call('update', 'decrypt/k', { ciphertext: dk.data.ciphertext });
    expect(dec.data.plaintext).toBe(dk.data.plaintext);
    const wrapped = await call('update', 'datakey/wrapped/k', {});
    expect(wrapped.data.plaintext).toBeUndefined();
  });

  it('when deletion is not allowed, then deleting the key fails until config allows it', async () => {
    const { call } = engine();
    await call('create', 'keys/k', {});
    await expect(call('delete', 'keys/k')).rejects.toMatchObject({ status: 400 });
    await call('update', 'keys/k/config', { deletion_allowed: true });
    expect((await call('delete', 'keys/k')).status).toBe(204);
    await expect(call('read', 'keys/k')).rejects.toMatchObject({ status: 404 });
  });
});
