import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLocalSealer, createPlaintextSealer } from './local-sealers.js';

describe('PII sealers without Vault', () => {
  it('when sealed with the local key, then the value is unreadable and opens back', async () => {
    const sealer = createLocalSealer(randomBytes(32).toString('base64'));
    const sealed = await sealer.seal('ada@example.com');
    expect(sealed).toMatch(/^local:v1:/);
    expect(sealed).not.toContain('ada');
    expect(await sealer.open(sealed)).toBe('ada@example.com');
  });

  it('when the local key is not 32 bytes, then it is refused', () => {
    expect(() => createLocalSealer(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });

  it('when there is no key, then the value is marked as plaintext', async () => {
    const sealer = createPlaintextSealer();
    expect(await sealer.seal('ada@example.com')).toBe('plain:ada@example.com');
  });
});
