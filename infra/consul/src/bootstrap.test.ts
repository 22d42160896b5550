import { startConsulDouble, type RunningConsulDouble } from '@flowstack/consul-double';
import { createConsulClient, type ConsulClient } from '@flowstack/consul';
import { createLogger } from '@flowstack/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapConsul, contains } from './bootstrap.js';
import { readDesiredState } from './desired-state.js';

// A real agent when CONSUL_HTTP_ADDR is set (the entries are shared names: use a scratch agent).
let double: RunningConsulDouble | undefined;
let client: ConsulClient;

beforeAll(async () => {
  let address = process.env.CONSUL_HTTP_ADDR;
  if (!address) {
    double = await startConsulDouble({ port: 0, dnsPort: 0 });
    address = double.url;
  }
  client = createConsulClient({
    address: /^https?:\/\//.test(address) ? address : `http://${address}`,
    token: process.env.CONSUL_HTTP_TOKEN || undefined,
    logger: createLogger({ service: 'infra-consul-test', level: 'silent' }),
  });
});
afterAll(async () => {
  client.close();
  await double?.stop();
});

async function configIndex(): Promise<string | null> {
  const response = await fetch(`${client.address}/v1/config/service-intentions`);
  return response.headers.get('x-consul-index');
}

describe('bootstrapConsul', () => {
  it('when run twice, then the first run writes every entry and the second changes nothing', async () => {
    const desired = await readDesiredState();
    const first = await bootstrapConsul(client, desired);
    const entries = first.filter((change) => !change.kind.startsWith('acl-'));
    expect(entries).toHaveLength(desired.configEntries.length);
    expect(entries.every((change) => change.action !== 'unchanged')).toBe(true);
    const indexAfterFirst = await configIndex();

    const second = await bootstrapConsul(client, desired);

    expect(second.filter((c) => !c.kind.startsWith('acl-')).map((c) => c.action)).toEqual(
      entries.map(() => 'unchanged'),
    );
    expect(second.filter((c) => c.kind === 'acl-policy').map((c) => c.action)).not.toContain(
      'created',
    );
    expect(await configIndex()).toBe(indexAfterFirst);
  });

  it('then every service is denied by default and only the listed callers are allowed', async () => {
    await bootstrapConsul(client, await readDesiredState());
    const response = await client.request('GET', '/v1/config/service-intentions');
    const intentions = JSON.parse(response.text) as {
      Name: string;
      Sources: { Name: string; Action: string }[];
    }[];
    const allowed = intentions.flatMap((entry) =>
      entry.Sources.filter((s) => s.Action === 'allow').map((s) => `${s.Name} -> ${entry.Name}`),
    );
    expect(allowed.sort()).toEqual(
      [
        'traefik -> flowstack-api',
        'flowstack-api -> postgres',
        'flowstack-api -> redis',
        'flowstack-api -> rabbitmq',
        'flowstack-api -> vault',
        'flowstack-worker -> postgres',
        'flowstack-worker -> redis',
        'flowstack-worker -> rabbitmq',
        'flowstack-worker -> vault',
      ].sort(),
    );
    expect(intentions.find((entry) => entry.Name === '*')?.Sources).toMatchObject([
      { Name: '*', Action: 'deny' },
    ]);
    const defaults = await client.request('GET', '/v1/config/service-defaults/flowstack-api');
    expect(JSON.parse(defaults.text)).toMatchObject({ Protocol: 'http' });
  });

  it('when an entry drifted, then it is updated back and the others stay unchanged', async () => {
    await bootstrapConsul(client, await readDesiredState());
    await client.request('PUT', '/v1/config', {
      Kind: 'service-defaults',
      Name: 'flowstack-worker',
      Protocol: 'tcp',
    });

    const changes = await bootstrapConsul(client, await readDesiredState());

    expect(changes.filter((c) => c.action === 'updated')).toEqual([
      { kind: 'service-defaults', name: 'flowstack-worker', action: 'updated' },
    ]);
  });
});

describe('contains', () => {
  it('when Consul added fields, then the entry still matches; a changed value does not', () => {
    const wanted = { Name: 'redis', Sources: [{ Name: 'flowstack-api', Action: 'allow' }] };
    const actual = {
      Name: 'redis',
      ModifyIndex: 9,
      Sources: [{ Name: 'flowstack-api', Action: 'allow', Precedence: 9 }],
    };
    expect(contains(actual, wanted)).toBe(true);
    expect(
      contains({ ...actual, Sources: [{ Name: 'flowstack-api', Action: 'deny' }] }, wanted),
    ).toBe(false);
    expect(contains({ ...actual, Sources: [] }, wanted)).toBe(false);
  });
});
