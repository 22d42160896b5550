import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export type { KeySpec } from './key-spec.js';
import type { KeySpec } from './key-spec.js';

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

export { newSerial } from './serial.js';

export { x509 };
