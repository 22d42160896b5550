import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDouble, type TestDouble } from '../../../test/http-double.js';

let v: TestDouble;
beforeAll(async () => {
  v = await startTestDouble();
});
afterAll(async () => {
  await v.stop();
});

const write = (path: string, data: Record<string, unknown>, options?: Record<string, unknown>) =>
  v.call('POST', `secret/data/${path}`, { body: { data, ...(options ? { options } : {}) } });

describe('KV v2', () => {
  it('when written twice, then versions count from 1 and ?version= reads an old one', async () => {
    expect((await write('kv/versions', { a: 1 })).body.data.version).toBe(1);
    expect((await write('kv/versions', { a: 2 })).body.data.version).toBe(2);
    const latest = await v.call('GET', 'secret/data/kv/versions');
    expect(latest.body.data).toMatchObject({
      data: { a: 2 },
      metadata: { version: 2, destroyed: false, deletion_time: '' },
    });
    expect((await v.call('GET', 'secret/data/kv/versions?version=1')).body.data.data).toEqual({
      a: 1,
    });
  });

  it("when cas does not match the current version, then 400 with Vault's message; cas 0 only creates", async () => {
    expect((await write('kv/cas', { a: 1 }, { cas: 0 })).status).toBe(200);
    const again = await write('kv/cas', { a: 2 }, { cas: 0 });
    expect(again.status).toBe(400);
    expect(again.body.errors).toEqual([
      'check-and-set parameter did not match the current version',
    ]);
    expect((await write('kv/cas', { a: 2 }, { cas: 1 })).body.data.version).toBe(2);
  });

  it('when cas_required is set on the key, then writes without cas fail', async () => {
    await v.call('POST', 'secret/metadata/kv/casreq', { body: { cas_required: true } });
    expect((await write('kv/casreq', { a: 1 })).status).toBe(400);
    expect((await write('kv/casreq', { a: 1 }, { cas: 0 })).status).toBe(200);
  });

  it('when the latest version is soft-deleted, then reading it is 404 with metadata, and undelete restores it', async () => {
    await write('kv/del', { a: 1 });
    expect((await v.call('DELETE', 'secret/data/kv/del')).status).toBe(204);
    const gone = await v.call('GET', 'secret/data/kv/del');
    expect(gone.status).toBe(404);
    expect(gone.body.data.data).toBeNull();
    expect(gone.body.data.metadata.deletion_time).not.toBe('');
    expect(
      (await v.call('POST', 'secret/undelete/kv/del', { body: { versions: [1] } })).status,
    ).toBe(204);
    expect((await v.call('GET', 'secret/data/kv/del')).body.data.data).toEqual({ a: 1 });
  });

  it('when a version is destroyed, then it reads as 404 with destroyed true and cannot be undeleted', async () => {
    await write('kv/destroy', { a: 1 });
    await write('kv/destroy', { a: 2 });
    expect(
      (await v.call('POST', 'secret/destroy/kv/destroy', { body: { versions: [1] } })).status,
    ).toBe(204);
    const destroyed = await v.call('GET', 'secret/data/kv/destroy?version=1');
    expect(destroyed.status).toBe(404);
    expect(destroyed.body.data.metadata.destroyed).toBe(true);
    await v.call('POST', 'secret/undelete/kv/destroy', { body: { versions: [1] } });
    expect((await v.call('GET', 'secret/data/kv/destroy?version=1')).status).toBe(404);
    expect((await v.call('GET', 'secret/data/kv/destroy')).body.data.data).toEqual({ a: 2 });
  });

  it('when metadata is read, then it lists every version; deleting metadata removes the key', async () => {
    await write('kv/meta', { a: 1 });
    await write('kv/meta', { a: 2 });
    const meta = await v.call('GET', 'secret/metadata/kv/meta');
    expect(meta.body.data).toMatchObject({
      current_version: 2,
      oldest_version: 1,
      max_versions: 0,
      cas_required: false,
    });
    expect(Object.keys(meta.body.data.versions as object)).toEqual(['1', '2']);
    expect((await v.call('DELETE', 'secret/metadata/kv/meta')).status).toBe(204);
    expect((await v.call('GET', 'secret/data/kv/meta')).status).toBe(404);
    expect((await v.call('GET', 'secret/metadata/kv/meta')).status).toBe(404);
  });

  it('when max_versions is exceeded, then the oldest versions are dropped', async () => {
    await v.call('POST', 'secret/metadata/kv/max', { body: { max_versions: 2 } });
    for (let i = 1; i <= 3; i += 1) await write('kv/max', { i });
    const meta = await v.call('GET', 'secret/metadata/kv/max');
    expect(meta.body.data.oldest_version).toBe(2);
    expect((await v.call('GET', 'secret/data/kv/max?version=1')).status).toBe(404);
  });

  it('when patched, then the data is merged into a new version', async () => {
    await write('kv/patch', { a: 1, b: 2 });
    const res = await fetch(`${v.url}/v1/secret/data/kv/patch`, {
      method: 'PATCH',
      headers: { 'X-Vault-Token': 'root', 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ data: { b: null, c: 3 } }),
    });
    expect(res.status).toBe(200);
    expect((await v.call('GET', 'secret/data/kv/patch')).body.data.data).toEqual({ a: 1, c: 3 });
  });
});
