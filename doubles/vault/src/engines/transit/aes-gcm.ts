import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { VaultError } from '../../core/types.js';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** AES-GCM sealing in Vault's layout: nonce || ciphertext || tag. */
export function seal(key: Buffer, plaintext: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(algorithmFor(key), key, nonce);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

export function open(key: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) {
    throw new VaultError(400, 'invalid ciphertext: too short');
  }
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv(algorithmFor(key), key, nonce);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new VaultError(400, 'cipher: message authentication failed');
  }
}

function algorithmFor(key: Buffer): 'aes-256-gcm' | 'aes-128-gcm' {
  return key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
}

/** "vault:v3:<base64>" -> version 3 and the sealed bytes. */
export function parseCiphertext(text: string): { version: number; sealed: Buffer } {
  const m = /^vault:v(\d+):(.*)$/s.exec(text);
  if (!m?.[1] || m[2] === undefined) throw new VaultError(400, 'invalid ciphertext: no prefix');
  const version = Number.parseInt(m[1], 10);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(m[2])) {
    throw new VaultError(400, 'invalid ciphertext: could not decode');
  }
  return { version, sealed: Buffer.from(m[2], 'base64') };
}

export function formatCiphertext(version: number, sealed: Buffer): string {
  return `vault:v${version}:${sealed.toString('base64')}`;
}
