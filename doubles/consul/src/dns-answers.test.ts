import dnsPacket, { type Answer } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { Catalog } from './catalog.js';
import { ChangeIndex } from './change-index.js';
import { answerQuery, hexAddress, parseServiceName } from './dns-answers.js';
import type { CheckStatus, ServiceInput } from './registration.js';

const text = { interval: '', timeout: '', ttl: '', deregisterCriticalServiceAfter: '' };

function instance(
  id: string,
  status: CheckStatus,
  extra: Partial<ServiceInput> = {},
): ServiceInput {
  return {
    id,
    name: 'db',
    tags: [],
    address: '',
    port: 5432,
    meta: {},
    taggedAddresses: {},
    weights: { Passing: 1, Warning: 1 },
    enableTagOverride: false,
    kind: '',
    checks: [
      {
        checkId: `c-${id}`,
        name: 'c',
        notes: '',
        status,
        serviceId: id,
        definition: { type: 'ttl', ttlMs: 60_000, text },
      },
    ],
    ...extra,
  };
}

const dataOf = (answer: Answer): unknown => ('data' in answer ? answer.data : undefined);
const rcodeOf = (flags: number | undefined): number => (flags ?? 0) & 0x0f;

function ask(catalog: Catalog, name: string, type: 'A' | 'SRV') {
  const query = dnsPacket.decode(
    dnsPacket.encode({ id: 7, type: 'query', questions: [{ name, type }] }),
  );
  return dnsPacket.decode(dnsPacket.encode(answerQuery(catalog, query)));
}

describe('parseServiceName', () => {
  it('when given standard, tagged, datacenter and RFC 2782 names, then finds service and tag', () => {
    expect(parseServiceName('db.service.consul', 'dc1')).toEqual({ service: 'db' });
    expect(parseServiceName('primary.db.service.dc1.consul.', 'dc1')).toEqual({
      service: 'db',
      tag: 'primary',
    });
    expect(parseServiceName('_db._tcp.service.consul', 'dc1')).toEqual({
      service: 'db',
      tag: undefined,
    });
    expect(parseServiceName('_db._primary.service.consul', 'dc1')).toEqual({
      service: 'db',
      tag: 'primary',
    });
    expect(parseServiceName('db.node.consul', 'dc1')).toBeUndefined();
    expect(parseServiceName('example.com', 'dc1')).toBeUndefined();
  });
});

describe('answerQuery', () => {
  it('when instances are healthy, warning or critical, then A answers leave out only critical ones', () => {
    const catalog = new Catalog(new ChangeIndex(), { nodeName: 'n1', nodeAddress: '127.0.0.1' });
    catalog.registerService(instance('a', 'passing', { address: '10.0.0.1' }));
    catalog.registerService(instance('b', 'warning', { address: '10.0.0.2' }));
    catalog.registerService(instance('c', 'critical', { address: '10.0.0.3' }));
    const reply = ask(catalog, 'db.service.consul', 'A');
    expect(rcodeOf(reply.flags)).toBe(0);
    expect(reply.answers?.map(dataOf).sort()).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('when asked for SRV, then each record targets the addr or node name with an additional A', () => {
    const catalog = new Catalog(new ChangeIndex(), { nodeName: 'n1', nodeAddress: '127.0.0.1' });
    catalog.registerService(instance('a', 'passing', { address: '192.0.2.10', port: 6000 }));
    catalog.registerService(instance('b', 'passing', { port: 6001 }));
    const reply = ask(catalog, 'db.service.consul', 'SRV');
    const srv = reply.answers?.map((a) => dataOf(a) as { port: number; target: string });
    expect(srv?.sort((x, y) => x.port - y.port)).toEqual([
      expect.objectContaining({
        port: 6000,
        target: 'c000020a.addr.dc1.consul',
        priority: 1,
        weight: 1,
      }),
      expect.objectContaining({ port: 6001, target: 'n1.node.dc1.consul' }),
    ]);
    expect(reply.additionals?.map((a) => [a.name, dataOf(a)]).sort()).toEqual([
      ['c000020a.addr.dc1.consul', '192.0.2.10'],
      ['n1.node.dc1.consul', '127.0.0.1'],
    ]);
  });

  it('when a tag is asked, then only tagged instances answer', () => {
    const catalog = new Catalog(new ChangeIndex(), { nodeName: 'n1', nodeAddress: '127.0.0.1' });
    catalog.registerService(instance('a', 'passing', { address: '10.0.0.1', tags: ['primary'] }));
    catalog.registerService(instance('b', 'passing', { address: '10.0.0.2' }));
    expect(ask(catalog, 'primary.db.service.consul', 'A').answers?.map(dataOf)).toEqual([
      '10.0.0.1',
    ]);
    expect(ask(catalog, '_db._primary.service.consul', 'SRV').answers).toHaveLength(1);
  });

  it('when the service is unknown or has no healthy instance, then NXDOMAIN with an SOA', () => {
    const catalog = new Catalog(new ChangeIndex(), { nodeName: 'n1', nodeAddress: '127.0.0.1' });
    catalog.registerService(instance('a', 'critical'));
    for (const name of ['nope.service.consul', 'db.service.consul']) {
      const reply = ask(catalog, name, 'A');
      expect(rcodeOf(reply.flags)).toBe(3);
      expect(reply.authorities?.[0]?.type).toBe('SOA');
    }
  });

  it('when converting addresses, then uses the hex label Consul uses', () => {
    expect(hexAddress('192.0.2.10')).toBe('c000020a');
  });
});
