import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDouble, type TestDouble } from '../../test/http-double.js';

let v: TestDouble;
beforeAll(async () => {
  v = await startTestDouble();
});
afterAll(async () => {
  await v.stop();
});

async function tokenWith(name: string, policy: string): Promise<string> {
  expect((await v.call('PUT', `sys/policies/acl/${name}`, { body: { policy } })).status).toBe(204);
  const res = await v.call('POST', 'auth/token/create', { body: { policies: [name] } });
  return res.body.auth.client_token as string;
}

describe('policies over HTTP', () => {
  it('when a policy is written, then it can be read, listed (both APIs) and deleted', async () => {
    const text = 'path "secret/data/crud/*" {\n  capabilities = ["read"]\n}\n';
    await v.call('PUT', 'sys/policies/acl/crud', { body: { policy: text } });
    const read = await v.call('GET', 'sys/policies/acl/crud');
    expect(read.body.data).toEqual({ name: 'crud', policy: text });
    expect(read.body.name).toBe('crud');
    expect((await v.call('LIST', 'sys/policies/acl')).body.data.keys).toEqual(
      expect.arrayContaining(['crud', 'default', 'root']),
    );
    expect((await v.call('GET', 'sys/policy/crud')).body.rules).toBe(text);
    expect((await v.call('GET', 'sys/policy')).body.policies).toContain('crud');
    expect((await v.call('DELETE', 'sys/policies/acl/crud')).status).toBe(204);
    expect((await v.call('GET', 'sys/policies/acl/crud')).status).toBe(404);
  });

  it('when a rule has denied_parameters, then a request carrying one is refused and the same request without it passes', async () => {
    const token = await tokenWith(
      'scoped-revoke',
      [
        'path "sys/leases/revoke/database/creds/mine/*" {',
        '  capabilities = ["update"]',
        '  denied_parameters = {',
        '    "lease_id" = []',
        '  }',
        '}',
      ].join('\n'),
    );
    const own = await v.call('PUT', 'sys/leases/revoke/database/creds/mine/abc', { token });
    expect(own.status).not.toBe(403);
    // The body's lease_id would win over the URL in Vault: with it denied, the URL scope holds.
    const smuggled = await v.call('PUT', 'sys/leases/revoke/database/creds/mine/abc', {
      token,
      body: { lease_id: 'database/creds/theirs/xyz' },
    });
    expect(smuggled.status).toBe(403);
    const LEASE_ID = 'LEASE_ID';
    const upper = await v.call('PUT', 'sys/leases/revoke/database/creds/mine/abc', {
      token,
      body: { [LEASE_ID]: 'database/creds/theirs/xyz' },
    });
    expect(upper.status).toBe(403);
    const theirs = await v.call('PUT', 'sys/leases/revoke/database/creds/theirs/xyz', { token });
    expect(theirs.status).toBe(403);
  });

  it('when a policy is invalid HCL, then writing it fails with 400', async () => {
    expect(
      (await v.call('PUT', 'sys/policies/acl/broken', { body: { policy: 'path "x" {' } })).status,
    ).toBe(400);
  });

  it('when root or default is deleted, then 400', async () => {
    expect((await v.call('DELETE', 'sys/policies/acl/root')).status).toBe(400);
    expect((await v.call('DELETE', 'sys/policies/acl/default')).status).toBe(400);
  });

  it('when a policy grants read but not update, then GET works and POST gets 403 in multierror form', async () => {
    await v.call('POST', 'secret/data/enf/a', { body: { data: { k: 'v' } } });
    const token = await tokenWith(
      'enf-read',
      'path "secret/data/enf/*" { capabilities = ["read"] }',
    );
    expect((await v.call('GET', 'secret/data/enf/a', { token })).status).toBe(200);
    const denied = await v.call('POST', 'secret/data/enf/a', { token, body: { data: {} } });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ errors: ['1 error occurred:\n\t* permission denied\n\n'] });
  });

  it('when a path exists, then a write needs update; when it does not, create', async () => {
    await v.call('POST', 'secret/data/cu/existing', { body: { data: { k: 'v' } } });
    const createOnly = await tokenWith(
      'cu-create',
      'path "secret/data/cu/*" { capabilities = ["create"] }',
    );
    expect(
      (await v.call('POST', 'secret/data/cu/new', { token: createOnly, body: { data: { k: 1 } } }))
        .status,
    ).toBe(200);
    expect(
      (
        await v.call('POST', 'secret/data/cu/existing', {
          token: createOnly,
          body: { data: { k: 1 } },
        })
      ).status,
    ).toBe(403);
    const updateOnly = await tokenWith(
      'cu-update',
      'path "secret/data/cu/*" { capabilities = ["update"] }',
    );
    expect(
      (
        await v.call('POST', 'secret/data/cu/existing', {
          token: updateOnly,
          body: { data: { k: 2 } },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await v.call('POST', 'secret/data/cu/other', {
          token: updateOnly,
          body: { data: { k: 2 } },
        })
      ).status,
    ).toBe(403);
  });

  it('when listing, then the ACL is checked on the path with a trailing slash', async () => {
    await v.call('POST', 'secret/data/lst/a', { body: { data: { k: 'v' } } });
    const token = await tokenWith(
      'lst',
      'path "secret/metadata/lst/*" { capabilities = ["list"] }',
    );
    expect((await v.call('LIST', 'secret/metadata/lst', { token })).status).toBe(200);
    expect((await v.call('GET', 'secret/metadata/lst/a', { token })).status).toBe(403);
  });

  it('when the default policy is attached, then lookup-self works and other paths do not', async () => {
    const token = (await v.call('POST', 'auth/token/create', { body: { policies: ['default'] } }))
      .body.auth.client_token as string;
    expect((await v.call('GET', 'auth/token/lookup-self', { token })).status).toBe(200);
    expect((await v.call('GET', 'sys/mounts', { token })).status).toBe(403);
    expect((await v.call('GET', 'secret/data/anything', { token })).status).toBe(403);
  });

  it('when a sudo path is called without sudo, then 403 even with the operation capability', async () => {
    const token = await tokenWith(
      'audit-nosudo',
      'path "sys/audit/*" { capabilities = ["create", "update"] }',
    );
    const res = await v.call('PUT', 'sys/audit/f', {
      token,
      body: { type: 'file', options: { file_path: 'discard' } },
    });
    expect(res.status).toBe(403);
  });

  it('when capabilities-self is asked, then it reports what the ACL grants', async () => {
    const token = await tokenWith('caps', 'path "transit/encrypt/k" { capabilities = ["update"] }');
    const res = await v.call('POST', 'sys/capabilities-self', {
      token,
      body: { paths: ['transit/encrypt/k', 'transit/decrypt/k'] },
    });
    expect(res.body.data['transit/encrypt/k']).toEqual(['update']);
    expect(res.body.data['transit/decrypt/k']).toEqual(['deny']);
  });
});
