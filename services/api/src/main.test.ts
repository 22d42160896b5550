import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));

describe('the api process', () => {
  it('when the Vault login method lacks its input, then it exits 2 naming the key before it connects to anything', () => {
    // No server is needed: a process that got past the config would fail later, with exit 1.
    const result = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: { PATH: process.env['PATH'], VAULT_AUTH_METHOD: 'jwt' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toContain('VAULT_JWT_FILE: required when VAULT_AUTH_METHOD=jwt');
    expect(result.status).toBe(2);
  }, 60_000);
});
