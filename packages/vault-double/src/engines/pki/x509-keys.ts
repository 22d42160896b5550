import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { VaultError } from '../../core/types.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export type KeyType = 'rsa' | 'ec';

export interface KeySpec {
  type: KeyType;
  bits: number;
}

export function keySpec(type: string, bits: number): KeySpec {
  if (type === 'rsa') {
    const b = bits === 0 ? 2048 : bits;
    if (![2048, 3072, 4096].includes(b)) throw new VaultError(400, `invalid key_bits ${b} for rsa`);
    return { type, bits: b };
  }
  if (type === 'ec') {
    const b = bits === 0 ? 256 : bits;
    if (![256, 384, 521].includes(b)) throw new VaultError(400, `invalid key_bits ${b} for ec`);
    return { type, bits: b };
  }
  throw new VaultError(400, `key_type "${type}" is not supported by this double (rsa, ec)`);
}

function keyAlgorithm(spec: KeySpec): RsaHashedKeyGenParams | EcKeyGenParams {
  return spec.type === 'rsa'
    ? {
        name: 'RSASSA-PKCS1-v1_5',
        hash: 'SHA-256',
        publicExponent: new Uint8Array([1, 0, 1]),
        modulusLength: spec.bits,
      }
    : { name: 'ECDSA', namedCurve: `P-${spec.bits}` };
}

/** The signature algorithm a key of this spec signs certificates with. */
export function signingAlgorithm(spec: KeySpec): Algorithm | EcdsaParams {
  if (spec.type === 'rsa') return { name: 'RSASSA-PKCS1-v1_5' };
  const hash = spec.bits === 256 ? 'SHA-256' : spec.bits === 384 ? 'SHA-384' : 'SHA-512';
  const params: EcdsaParams = { name: 'ECDSA', hash };
  return params;
}

export async function generateKeys(spec: KeySpec): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(keyAlgorithm(spec), true, ['sign', 'verify']);
}

export async function exportPkcs8(key: CryptoKey): Promise<Buffer> {
  return Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
}

export async function importSigningKey(pkcs8: Buffer, spec: KeySpec): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', pkcs8, keyAlgorithm(spec), false, ['sign']);
}

/** The private key as Vault returns it: PKCS#1 for RSA, SEC 1 for EC. */
export function privateKeyPem(pkcs8: Buffer, spec: KeySpec): string {
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return key.export({ format: 'pem', type: spec.type === 'rsa' ? 'pkcs1' : 'sec1' }).toString();
}

/** A positive 20-byte serial as hex, and Vault's colon form of it. */
export function newSerial(): { hex: string; colon: string } {
  const bytes = randomBytes(20);
  bytes[0] = ((bytes[0] ?? 1) & 0x7f) | 0x01;
  const hex = bytes.toString('hex');
  return { hex, colon: colonHex(hex) };
}

export function colonHex(hex: string): string {
  return (hex.match(/../g) ?? []).join(':');
}

export { x509 };
