import { describe, expect, it } from 'vitest';
import { unique, useTarget } from './harness.js';

const target = useTarget();

async function putEntry(entry: Record<string, unknown>, query = ''): Promise<Response> {
  target.onCleanup(() =>
    target.fetch(`/v1/config/${String(entry.Kind)}/${String(entry.Name)}`, { method: 'DELETE' }),
  );
  return target.fetch(`/v1/config${query}`, { method: 'PUT', body: JSON.stringify(entry) });
}

describe('config entries', () => {
  it('when service-defaults are written, then they read back and show in the kind list', async () => {
    const name = unique('svc');
    const put = await putEntry({ Kind: 'service-defaults', Name: name, Protocol: 'http' });
    expect(put.status).toBe(200);
    expect(await put.json()).toBe(true);
    const got = await target.fetch(`/v1/config/service-defaults/${name}`);
    expect(got.status).toBe(200);
    const entry = (await got.json()) as Record<string, unknown>;
    expect(entry).toMatchObject({ Kind: 'service-defaults', Name: name, Protocol: 'http' });
    expect(entry.ModifyIndex).toEqual(expect.any(Number));
    const list = (await (await target.fetch('/v1/config/service-defaults')).json()) as {
      Name: string;
    }[];
    expect(list.map((e) => e.Name)).toContain(name);
  });

  it('when cas is used, then a stale ModifyIndex is refused with false', async () => {
    const name = unique('cas');
    expect(
      await (
        await putEntry({ Kind: 'service-defaults', Name: name, Protocol: 'tcp' }, '?cas=0')
      ).json(),
    ).toBe(true);
    expect(
      await (
        await putEntry({ Kind: 'service-defaults', Name: name, Protocol: 'http' }, '?cas=0')
      ).json(),
    ).toBe(false);
    const current = (await (await target.fetch(`/v1/config/service-defaults/${name}`)).json()) as {
      ModifyIndex: number;
      Protocol: string;
    };
    expect(current.Protocol).toBe('tcp');
    const ok = await putEntry(
      { Kind: 'service-defaults', Name: name, Protocol: 'http' },
      `?cas=${current.ModifyIndex}`,
    );
    expect(await ok.json()).toBe(true);
  });

  it('when service-intentions are written, then sources round-trip with Consul precedence', async () => {
    const destination = unique('api');
    const source = unique('web');
    await putEntry({ Kind: 'service-defaults', Name: destination, Protocol: 'tcp' });
    const put = await putEntry({
      Kind: 'service-intentions',
      Name: destination,
      Sources: [
        { Name: source, Action: 'allow' },
        { Name: '*', Action: 'deny' },
      ],
    });
    expect(put.status).toBe(200);
    const entry = (await (
      await target.fetch(`/v1/config/service-intentions/${destination}`)
    ).json()) as {
      Sources: { Name: string; Action: string; Precedence: number; Type: string }[];
    };
    const byName = Object.fromEntries(entry.Sources.map((s) => [s.Name, s]));
    expect(byName[source]).toMatchObject({ Action: 'allow', Precedence: 9, Type: 'consul' });
    expect(byName['*']).toMatchObject({ Action: 'deny', Precedence: 8, Type: 'consul' });
  });

  it('when an entry is deleted, then reading it is 404', async () => {
    const name = unique('del');
    await putEntry({ Kind: 'service-defaults', Name: name, Protocol: 'http' });
    const del = await target.fetch(`/v1/config/service-defaults/${name}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await target.fetch(`/v1/config/service-defaults/${name}`)).status).toBe(404);
  });

  it('when the kind is unknown or an intention action is invalid, then 400', async () => {
    const bad = await target.fetch('/v1/config', {
      method: 'PUT',
      body: JSON.stringify({ Kind: 'no-such-kind', Name: 'x' }),
    });
    expect(bad.status).toBe(400);
    const name = unique('bad');
    const badAction = await putEntry({
      Kind: 'service-intentions',
      Name: name,
      Sources: [{ Name: 'web', Action: 'maybe' }],
    });
    expect(badAction.status).toBe(400);
  });
});
