import { describe, expect, it } from 'vitest';
import { VaultError } from '../core/types.js';
import { parsePolicy } from './policy-parser.js';

describe('parsePolicy', () => {
  it('when given HCL with several blocks, then every path rule comes back', async () => {
    const rules = await parsePolicy(`
# comment
path "secret/data/app/*" {
  capabilities = ["create", "read"]
}
path "/sys/leases/renew" {
  capabilities = ["update"]
}
`);
    const sorted = [...rules].sort((a, b) => a.pattern.localeCompare(b.pattern));
    expect(sorted).toEqual([
      { pattern: 'secret/data/app/*', capabilities: ['create', 'read'] },
      { pattern: 'sys/leases/renew', capabilities: ['update'] },
    ]);
  });

  it('when given the JSON form, then it is accepted', async () => {
    const rules = await parsePolicy(
      JSON.stringify({ path: { 'a/b': { capabilities: ['list'] } } }),
    );
    expect(rules).toEqual([{ pattern: 'a/b', capabilities: ['list'] }]);
  });

  it('when given base64 of HCL, then it is decoded first', async () => {
    const text = Buffer.from('path "x/y" { capabilities = ["read"] }').toString('base64');
    expect(await parsePolicy(text)).toEqual([{ pattern: 'x/y', capabilities: ['read'] }]);
  });

  it('when the legacy policy = "write" shorthand is used, then it maps to capabilities', async () => {
    const rules = await parsePolicy('path "x" { policy = "write" }');
    expect(rules[0]?.capabilities.sort()).toEqual(['create', 'delete', 'list', 'read', 'update']);
  });

  it('when a capability is unknown, then a 400 VaultError names it', async () => {
    const error = await parsePolicy('path "x" { capabilities = ["reed"] }').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VaultError);
    expect((error as VaultError).status).toBe(400);
    expect((error as VaultError).message).toContain('invalid capability "reed"');
  });

  it('when the HCL is malformed, then a 400 VaultError is thrown', async () => {
    await expect(parsePolicy('path "x" { capabilities = [ }')).rejects.toMatchObject({
      status: 400,
    });
  });
});
