import { describe, expect, it } from 'vitest';
import { buildAcl } from './acl.js';
import { comparePriority } from './path-pattern.js';
import { parsePolicy } from './policy-parser.js';
import { resolveTemplates } from './policy-templates.js';

async function aclOf(...policies: string[]) {
  const rules = (await Promise.all(policies.map((p) => parsePolicy(p)))).flat();
  return buildAcl(rules);
}

describe('ACL matching', () => {
  it('when a pattern ends in *, then it matches every path with that prefix, across segments', async () => {
    const acl = await aclOf('path "secret/zip-*" { capabilities = ["read"] }');
    expect(acl.capabilities('secret/zip-zap/zong').has('read')).toBe(true);
    expect(acl.capabilities('secret/zip').has('read')).toBe(false);
  });

  it('when a pattern has +, then it matches exactly one segment', async () => {
    const acl = await aclOf('path "secret/+/teamb" { capabilities = ["read"] }');
    expect(acl.capabilities('secret/foo/teamb').has('read')).toBe(true);
    expect(acl.capabilities('secret/foo/bar/teamb').has('read')).toBe(false);
    expect(acl.capabilities('secret/teamb').has('read')).toBe(false);
  });

  it('when nothing matches, then nothing is granted', async () => {
    const acl = await aclOf('path "secret/a" { capabilities = ["read"] }');
    expect([...acl.capabilities('secret/b')]).toEqual([]);
  });

  it('when two policies use the same pattern, then their capabilities are unioned', async () => {
    const acl = await aclOf(
      'path "transit/encrypt/k" { capabilities = ["read"] }',
      'path "transit/encrypt/k" { capabilities = ["update"] }',
    );
    expect([...acl.capabilities('transit/encrypt/k')].sort()).toEqual(['read', 'update']);
  });

  it('when different patterns match, then only the highest-priority one counts (no union)', async () => {
    const acl = await aclOf(
      'path "secret/*" { capabilities = ["read", "list"] }',
      'path "secret/app/config" { capabilities = ["update"] }',
    );
    expect([...acl.capabilities('secret/app/config')]).toEqual(['update']);
    expect([...acl.capabilities('secret/app/other')].sort()).toEqual(['list', 'read']);
  });

  it('when the chosen pattern has deny, then nothing is granted even with sudo elsewhere', async () => {
    const acl = await aclOf(
      'path "secret/super" { capabilities = ["deny"] }',
      'path "secret/super" { capabilities = ["sudo", "read"] }',
    );
    expect([...acl.capabilities('secret/super')]).toEqual([]);
  });

  it('when a more specific pattern denies, then the broader grant does not apply', async () => {
    const acl = await aclOf(
      'path "secret/*" { capabilities = ["read"] }',
      'path "secret/private/*" { capabilities = ["deny"] }',
    );
    expect(acl.capabilities('secret/private/x').size).toBe(0);
    expect(acl.capabilities('secret/public/x').has('read')).toBe(true);
  });
});

describe("Vault's priority rules", () => {
  const lower = (a: string, b: string) => expect(comparePriority(a, b)).toBeLessThan(0);

  it('rule 1: the pattern whose first wildcard comes earlier ranks lower', () => {
    lower('secret/+/x/y', 'secret/a/+/y');
    lower('secret/*', 'secret/a/+');
  });
  it('rule 2: a pattern ending in * ranks below one that does not', () => {
    lower('secret/a*', 'secret/a+');
    lower('secret/+/b*', 'secret/+/bcd');
  });
  it('rule 3: more + segments rank lower', () => {
    lower('secret/+/+/c', 'secret/+/b/c');
  });
  it('rule 4: the shorter pattern ranks lower', () => {
    lower('secret/+/b', 'secret/+/bc');
  });
  it('rule 5: the lexicographically smaller pattern ranks lower', () => {
    lower('secret/+/ab', 'secret/+/ac');
  });
});

describe('templated policy paths', () => {
  const identity = {
    entityId: 'e-1',
    entityName: 'entity_e-1',
    aliasMountAccessor: 'auth_jwt_abc',
    aliasName: 'alice',
    aliasMetadata: { nomad_namespace: 'default', nomad_job_id: 'api' },
  };

  it('when the alias accessor matches, then metadata placeholders are filled in', async () => {
    const rules = await parsePolicy(
      'path "secret/data/{{identity.entity.aliases.auth_jwt_abc.metadata.nomad_namespace}}/{{identity.entity.aliases.auth_jwt_abc.metadata.nomad_job_id}}/*" { capabilities = ["read"] }',
    );
    const acl = buildAcl(resolveTemplates(rules, identity));
    expect(acl.capabilities('secret/data/default/api/db').has('read')).toBe(true);
    expect(acl.capabilities('secret/data/default/worker/db').has('read')).toBe(false);
  });

  it('when the template refers to another mount or a missing key, then the rule is dropped', async () => {
    const rules = await parsePolicy(`
path "secret/data/{{identity.entity.aliases.auth_other.metadata.nomad_job_id}}" { capabilities = ["read"] }
path "secret/data/{{identity.entity.aliases.auth_jwt_abc.metadata.missing}}" { capabilities = ["read"] }
`);
    expect(resolveTemplates(rules, identity)).toEqual([]);
  });
});
