import { randomBytes } from 'node:crypto';

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
