import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDouble, type Json, type TestDouble } from '../../test/http-double.js';

let v: TestDouble;
let file: string;
beforeAll(async () => {
  v = await startTestDouble();
  file = join(mkdtempSync(join(tmpdir(), 'vault-double-audit-')), 'audit.log');
  expect(
    (
      await v.call('PUT', 'sys/audit/file', {
        body: { type: 'file', options: { file_path: file } },
      })
    ).status,
  ).toBe(204);
});
afterAll(async () => {
  await v.stop();
});

describe('file audit device', () => {
  it('when a secret is written and read, then each request and response is a JSON line with secrets HMAC-ed', async () => {
    await v.call('POST', 'secret/data/audited', {
      body: { data: { password: 'hunter2', port: 5432 } },
    });
    await v.call('GET', 'secret/data/audited');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('"client_token":"root"');
    const lines = text
      .trim()
      .split('\n')
      .map((l): Json => JSON.parse(l));
    const write = lines.filter(
      (l: Json) => l.request?.path === 'secret/data/audited' && l.request?.operation === 'create',
    );
    expect(write.map((l): unknown => l.type)).toEqual(['request', 'response']);
    const hashed = write[0]!.request.data.data.password as string;
    expect(hashed).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(write[0]!.request.data.data.port).toBe(5432);
    expect(write[0]!.request.mount_type).toBe('kv');
    expect(write[0]!.auth.client_token).toMatch(/^hmac-sha256:/);
    // sys/audit-hash gives the same HMAC for the same input.
    const viaApi = await v.call('POST', 'sys/audit-hash/file', { body: { input: 'hunter2' } });
    expect(viaApi.body.data.hash).toBe(hashed);
    const read = lines.find(
      (l) =>
        l.type === 'response' &&
        l.request?.operation === 'read' &&
        l.request?.path === 'secret/data/audited',
    );
    expect(read!.response.data.data.password).toBe(hashed);
    // A different input hashes differently: the value is keyed, not a constant.
    expect(
      (await v.call('POST', 'sys/audit-hash/file', { body: { input: 'hunter3' } })).body.data.hash,
    ).not.toBe(hashed);
    expect(hashed).not.toBe(
      `hmac-sha256:${createHmac('sha256', '').update('hunter2').digest('hex')}`,
    );
  });

  it('when a token is created, then the response auth block has its token and accessor HMAC-ed', async () => {
    const created = await v.call('POST', 'auth/token/create', { body: { policies: ['default'] } });
    const token = created.body.auth.client_token as string;
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).not.toContain(created.body.auth.accessor as string);
  });

  it('when sys/audit is listed, then the device shows with its file_path', async () => {
    expect((await v.call('GET', 'sys/audit')).body.data['file/'].options.file_path).toBe(file);
  });
});
