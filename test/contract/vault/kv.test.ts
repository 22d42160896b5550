import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, openVaultTarget, type VaultTarget } from './harness.js';

interface VersionMeta {
  version: number;
  deletion_time: string;
  destroyed: boolean;
}

let target: VaultTarget;
let kv: string;

beforeAll(async () => {
  target = await openVaultTarget();
  kv = target.uniquePath('kv');
  await target.client.mount({ mount_point: kv, type: 'kv', options: { version: '2' } });
});

afterAll(async () => {
  await target?.close();
});

const write = async (
  path: string,
  data: Record<string, unknown>,
  options?: Record<string, unknown>,
) =>
  (
    (await target.client.write(`${kv}/data/${path}`, {
      data,
      ...(options ? { options } : {}),
    })) as { data: VersionMeta }
  ).data;

describe('KV v2', () => {
  it('when written twice, then versions start at 1 and reads return data and metadata', async () => {
    expect((await write('app/config', { a: '1' })).version).toBe(1);
    expect((await write('app/config', { a: '2' })).version).toBe(2);
    const latest = (await target.client.read(`${kv}/data/app/config`)) as {
      data: { data: unknown; metadata: VersionMeta };
    };
    expect(latest.data.data).toEqual({ a: '2' });
    expect(latest.data.metadata.version).toBe(2);
    const v1 = (await target.client.read(`${kv}/data/app/config?version=1`)) as {
      data: { data: unknown };
    };
    expect(v1.data.data).toEqual({ a: '1' });
  });

  it('when options.cas does not match, then 400 check-and-set parameter did not match the current version', async () => {
    await write('cas/key', { a: '1' }, { cas: 0 });
    const failure = await failureOf(write('cas/key', { a: '2' }, { cas: 0 }));
    expect(failure.response?.statusCode).toBe(400);
    expect(failure.message).toBe('check-and-set parameter did not match the current version');
    expect((await write('cas/key', { a: '2' }, { cas: 1 })).version).toBe(2);
  });

  it('when the latest version is deleted, then reads 404 until undeleted', async () => {
    await write('del/key', { a: '1' });
    await target.client.delete(`${kv}/data/del/key`);
    expect((await failureOf(target.client.read(`${kv}/data/del/key`))).response?.statusCode).toBe(
      404,
    );
    await target.client.write(`${kv}/undelete/del/key`, { versions: [1] });
    expect(
      ((await target.client.read(`${kv}/data/del/key`)) as { data: { data: unknown } }).data.data,
    ).toEqual({ a: '1' });
  });

  it('when destroySecretVersions destroys a version, then it is gone for good', async () => {
    await write('destroy/key', { a: '1' });
    await write('destroy/key', { a: '2' });
    await target.client.destroySecretVersions({
      mount_point: kv,
      path: 'destroy/key',
      versions: [1],
    });
    const meta = (await target.client.read(`${kv}/metadata/destroy/key`)) as {
      data: { versions: Record<string, VersionMeta> };
    };
    expect(meta.data.versions['1']?.destroyed).toBe(true);
    expect(
      (await failureOf(target.client.read(`${kv}/data/destroy/key?version=1`))).response
        ?.statusCode,
    ).toBe(404);
  });

  it('when listing metadata, then children come back with folders ending in /', async () => {
    await write('tree/a', { x: '1' });
    await write('tree/sub/b', { x: '1' });
    const res = (await target.client.list(`${kv}/metadata/tree`)) as { data: { keys: string[] } };
    expect(res.data.keys).toEqual(['a', 'sub/']);
    expect(
      (await failureOf(target.client.list(`${kv}/metadata/empty-folder`))).response?.statusCode,
    ).toBe(404);
  });
});
