import { VaultError } from '../../core/types.js';

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
