import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import type { PiiSealer } from './transit.js';

export const PLAINTEXT_PREFIX = 'plain:';
export const LOCAL_PREFIX = 'local:v1:';

/** No protection, said out loud: the stored value starts with `plain:`. */
export function createPlaintextSealer(): PiiSealer {
  return {
    mode: 'plaintext',
    seal: (plaintext) => Promise.resolve(`${PLAINTEXT_PREFIX}${plaintext}`),
    open: (sealed) =>
      sealed.startsWith(PLAINTEXT_PREFIX)
        ? Promise.resolve(sealed.slice(PLAINTEXT_PREFIX.length))
        : Promise.reject(new Error('not a plaintext value')),
  };
}

/** AES-256-GCM with a key from config (PII_LOCAL_KEY), for running without Vault. */
export function createLocalSealer(keyBase64: string): PiiSealer {
  const key = Buffer.from(keyBase64, 'base64');
  if (key.length !== 32) throw new Error('PII_LOCAL_KEY must be 32 bytes, base64-encoded');
  return {
    mode: 'local-aes-gcm',
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Promise.resolve(
        `${LOCAL_PREFIX}${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')}`,
      );
    },
    open(sealed) {
      if (!sealed.startsWith(LOCAL_PREFIX)) return Promise.reject(new Error('not a local value'));
      const raw = Buffer.from(sealed.slice(LOCAL_PREFIX.length), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const body = raw.subarray(12, raw.length - 16);
      return Promise.resolve(
        Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8'),
      );
    },
  };
}
