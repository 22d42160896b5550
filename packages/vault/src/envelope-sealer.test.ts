import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEnvelopeSealer, type Transit } from './transit.js';

/**
 * A Transit key held in this process: data keys are wrapped with AES-GCM under it, as Vault's
 * `datakey/plaintext` does, and a gate lets a test hold back the next data key.
 */
function transitInMemory() {
  const root = randomBytes(32);
  let gate: Promise<void> = Promise.resolve();
  let release: () => void = () => undefined;
  const issued: string[] = [];
  const wrap = (plaintext: Buffer) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', root, iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return `vault:v1:${Buffer.concat([iv, body]).toString('base64')}`;
  };
  const unwrap = (ciphertext: string) => {
    const raw = Buffer.from(ciphertext.slice('vault:v1:'.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', root, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
  };
  const unused = () => Promise.reject(new Error('not used by the envelope sealer'));
  const transit: Transit = {
    key: 'pii',
    encrypt: unused,
    encryptMany: unused,
    decrypt: unused,
    rewrap: unused,
    latestVersion: unused,
    async dataKey() {
      await gate;
      const plaintext = randomBytes(32);
      const ciphertext = wrap(plaintext);
      issued.push(ciphertext);
      return { plaintext, ciphertext };
    },
    unwrapDataKey: (ciphertext) => Promise.resolve(unwrap(ciphertext)),
  };
  return {
    transit,
    issued,
    holdNextKey() {
      gate = new Promise((resolve) => (release = resolve));
    },
    releaseKey: () => release(),
  };
}

const wrappedKeyOf = (sealed: string) => sealed.split(':').slice(2, 5).join(':');

describe('envelope sealer', () => {
  it('when the data key has served its uses, then sealing goes on with it while the next one is fetched, and the next seals use the new key', async () => {
    const vault = transitInMemory();
    const sealer = createEnvelopeSealer(vault.transit, { dataKeyMaxUses: 2 });
    const first = [await sealer.seal('a@x.test'), await sealer.seal('b@x.test')];
    vault.holdNextKey();
    // Past its uses: this seal must not wait for the held-back key.
    const third = await sealer.seal('c@x.test');
    expect(new Set([...first, third].map(wrappedKeyOf)).size).toBe(1);
    vault.releaseKey();
    await new Promise((resolve) => setImmediate(resolve));
    const fourth = await sealer.seal('d@x.test');
    expect(vault.issued).toHaveLength(2);
    expect(wrappedKeyOf(fourth)).toBe(vault.issued[1]);
  });

  it('when a value is sealed, then its wrapped data key is one Transit issued and it opens with that key alone', async () => {
    const vault = transitInMemory();
    const sealed = await createEnvelopeSealer(vault.transit).seal('ada@example.com');
    expect(sealed).not.toContain('ada');
    expect(vault.issued).toContain(wrappedKeyOf(sealed));
    // A sealer that has never seen the key unwraps it through Transit.
    expect(await createEnvelopeSealer(vault.transit).open(sealed)).toBe('ada@example.com');
  });

  it('when Transit gives no first data key, then sealing fails instead of sealing with a key of its own', async () => {
    const vault = transitInMemory();
    vault.transit.dataKey = () => Promise.reject(new Error('vault down'));
    await expect(createEnvelopeSealer(vault.transit).seal('a@x.test')).rejects.toThrow(
      'vault down',
    );
  });
});
