import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import * as packet from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { addressInName, resolveSrv } from './dns-resolver.js';

/** A tiny DNS server on UDP and TCP (same port), answering from `answer`. */
interface TestDns {
  port: number;
  queries: { transport: 'udp' | 'tcp'; packet: packet.Packet }[];
  close(): Promise<void>;
}

type Answer = (query: packet.Packet, transport: 'udp' | 'tcp') => packet.Packet;

const servers: TestDns[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startDns(answer: Answer, host = '127.0.0.1'): Promise<TestDns> {
  const queries: TestDns['queries'] = [];
  const tcp: Server = createServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const query = packet.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
        queries.push({ transport: 'tcp', packet: query });
        socket.write(packet.streamEncode(answer(query, 'tcp')));
      }
    });
  });
  await new Promise<void>((resolve) => tcp.listen(0, host, resolve));
  const port = (tcp.address() as { port: number }).port;
  const udp: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  udp.on('message', (message, remote) => {
    const query = packet.decode(message);
    queries.push({ transport: 'udp', packet: query });
    udp.send(packet.encode(answer(query, 'udp')), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => udp.bind(port, host, resolve));
  const dns: TestDns = {
    port,
    queries,
    close: () =>
      new Promise((resolve) => {
        udp.close();
        tcp.close(() => resolve());
      }),
  };
  servers.push(dns);
  return dns;
}

const hex4 = (ip: string) =>
  ip
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .join('');

function reply(query: packet.Packet, answers: packet.Answer[], flags = 0): packet.Packet {
  return {
    id: query.id ?? 0,
    type: 'response',
    flags: 0x0400 | flags,
    questions: query.questions ?? [],
    answers,
  };
}

const srv = (name: string, target: string, port: number): packet.Answer => ({
  type: 'SRV',
  name,
  ttl: 0,
  class: 'IN',
  data: { priority: 1, weight: 1, port, target },
});

describe('resolveSrv', () => {
  it('when Consul names service addresses in the target, then each instance gets its address and port', async () => {
    const dns = await startDns((query) =>
      reply(query, [
        srv('redis.service.consul', `${hex4('10.0.0.7')}.addr.dc1.consul`, 6379),
        srv('redis.service.consul', `${hex4('10.0.0.8')}.addr.dc1.consul`, 6380),
      ]),
    );
    const targets = await resolveSrv('redis.service.consul', { host: '127.0.0.1', port: dns.port });
    expect(targets.map((t) => `${t.host}:${t.port}`).sort()).toEqual([
      '10.0.0.7:6379',
      '10.0.0.8:6380',
    ]);
  });

  it('when the UDP answer is truncated, then it asks again over TCP and gets every instance', async () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      srv('api.service.consul', `${hex4(`10.1.0.${i + 1}`)}.addr.dc1.consul`, 3000),
    );
    const dns = await startDns((query, transport) =>
      transport === 'udp' ? reply(query, many.slice(0, 5), 0x0200 /* TC */) : reply(query, many),
    );
    const targets = await resolveSrv('api.service.consul', { host: '127.0.0.1', port: dns.port });
    expect(targets).toHaveLength(60);
    expect(dns.queries.map((q) => q.transport)).toEqual(['udp', 'tcp']);
  });

  it('when an instance has an IPv6 address, then its 32-digit addr target gives it', async () => {
    const dns = await startDns((query) =>
      reply(query, [
        srv('db.service.consul', '20010db8000000000000000000000001.addr.dc1.consul', 5432),
      ]),
    );
    const targets = await resolveSrv('db.service.consul', { host: '127.0.0.1', port: dns.port });
    expect(targets).toEqual([
      {
        target: '20010db8000000000000000000000001.addr.dc1.consul',
        host: '2001:db8::1',
        port: 5432,
      },
    ]);
  });

  it('when the agent listens on IPv6, then it is asked there', async () => {
    const dns = await startDns(
      (query) => reply(query, [srv('db.service.consul', `${hex4('10.0.0.9')}.addr.dc1.consul`, 1)]),
      '::1',
    );
    const targets = await resolveSrv('db.service.consul', { host: '::1', port: dns.port });
    expect(targets.map((t) => t.host)).toEqual(['10.0.0.9']);
  });

  it('when the target is a node name, then its A record is looked up on the same server', async () => {
    const dns = await startDns((query) => {
      const question = query.questions?.[0];
      if (question?.type === 'A' && question.name === 'node1.node.dc1.consul') {
        return reply(query, [
          { type: 'A', name: question.name, ttl: 0, class: 'IN', data: '10.0.0.42' },
        ]);
      }
      if (question?.type === 'SRV') {
        return reply(query, [srv(question.name, 'node1.node.dc1.consul', 8080)]);
      }
      return reply(query, []);
    });
    const targets = await resolveSrv('web.service.consul', { host: '127.0.0.1', port: dns.port });
    expect(targets).toEqual([{ target: 'node1.node.dc1.consul', host: '10.0.0.42', port: 8080 }]);
  });

  it('when no instance is healthy (NXDOMAIN), then it gives none', async () => {
    const dns = await startDns((query) => reply(query, [], 3 /* NXDOMAIN */));
    expect(await resolveSrv('gone.service.consul', { host: '127.0.0.1', port: dns.port })).toEqual(
      [],
    );
  });

  it('when the server does not answer, then it fails with a Consul error naming the server', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      await expect(
        resolveSrv('x.service.consul', { host: '127.0.0.1', port: silent.address().port }, 200),
      ).rejects.toThrow(/DNS query for x\.service\.consul at 127\.0\.0\.1:\d+ failed/);
    } finally {
      silent.close();
    }
  });
});

describe('addressInName', () => {
  it('when a label is not a Consul address, then it gives nothing', () => {
    expect(addressInName('node1.node.dc1.consul')).toBeUndefined();
    expect(addressInName('zz000001.addr.dc1.consul')).toBeUndefined();
    expect(addressInName('0a00.addr.dc1.consul')).toBeUndefined();
    expect(addressInName('0a000001.addr.dc1.consul')).toBe('10.0.0.1');
  });
});
