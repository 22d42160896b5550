import { startConsulDouble, type RunningConsulDouble } from '@flowstack/consul-double';
import { createConsulClient, type ConsulClient } from '@flowstack/consul';
import { createLogger } from '@flowstack/observability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_METHOD_NAME, bindingRules } from './acl-objects.js';
import { bootstrapConsul } from './bootstrap.js';
import { readDesiredState } from './desired-state.js';

// A scratch ACL-enabled agent when CONSUL_HTTP_ADDR/CONSUL_HTTP_TOKEN are set (its JWKS URL
// must then be reachable: set NOMAD_JWKS_URL), the Consul double with ACLs on otherwise.
let double: RunningConsulDouble | undefined;
let client: ConsulClient;
const jwksUrl = process.env.NOMAD_JWKS_URL ?? 'http://127.0.0.1:4646/.well-known/jwks.json';

beforeAll(async () => {
  let address = process.env.CONSUL_HTTP_ADDR;
  let token = process.env.CONSUL_HTTP_TOKEN;
  if (!address) {
    token = 'acl-bootstrap-root';
    double = await startConsulDouble({ port: 0, dnsPort: 0, aclToken: token });
    address = double.url;
  }
  client = createConsulClient({
    address: /^https?:\/\//.test(address) ? address : `http://${address}`,
    token,
    logger: createLogger({ service: 'infra-consul-test', level: 'silent' }),
  });
});
afterAll(async () => {
  client.close();
  await double?.stop();
});

const identity = { jwksUrl, nomadNamespace: 'default' };

describe('bootstrapConsul with workload identity', () => {
  it('when run with a JWKS URL, then it creates the auth method, the binding rules and the roles, and a second run writes nothing', async () => {
    const desired = await readDesiredState();
    const first = await bootstrapConsul(client, desired, identity);
    const created = first.filter((c) => c.action === 'created').map((c) => `${c.kind} ${c.name}`);
    expect(created).toEqual(
      expect.arrayContaining([
        `acl-auth-method ${AUTH_METHOD_NAME}`,
        'acl-binding-rule service ${value.nomad_service}',
        'acl-binding-rule role nomad-${value.nomad_namespace}-tasks',
        'acl-binding-rule role flowstack-traefik',
        'acl-role nomad-default-tasks',
        'acl-role flowstack-traefik',
        'acl-policy policy-nomad-tasks',
      ]),
    );

    const second = await bootstrapConsul(client, desired, identity);
    expect(second.filter((c) => c.action !== 'unchanged')).toEqual([]);

    const rules = JSON.parse(
      (await client.request('GET', `/v1/acl/binding-rules?authmethod=${AUTH_METHOD_NAME}`)).text,
    ) as { BindType: string; BindName: string; Selector: string }[];
    expect(
      rules.map(({ BindType, BindName, Selector }) => ({ BindType, BindName, Selector })),
    ).toEqual(
      expect.arrayContaining(
        bindingRules({ jwksUrl, nomadNamespace: 'default' }).map(
          ({ BindType, BindName, Selector }) => ({
            BindType,
            BindName,
            Selector,
          }),
        ),
      ),
    );
  });

  it('when a role drifted, then the next run puts it back and leaves the rest', async () => {
    await bootstrapConsul(client, await readDesiredState(), identity);
    const role = JSON.parse(
      (await client.request('GET', '/v1/acl/role/name/flowstack-traefik')).text,
    ) as {
      ID: string;
    };
    await client.request('PUT', `/v1/acl/role/${role.ID}`, {
      Name: 'flowstack-traefik',
      ServiceIdentities: [{ ServiceName: 'flowstack-api' }],
    });

    const changes = await bootstrapConsul(client, await readDesiredState(), identity);

    expect(changes.filter((c) => c.action !== 'unchanged')).toEqual([
      { kind: 'acl-role', name: 'flowstack-traefik', action: 'updated' },
    ]);
  });
});
