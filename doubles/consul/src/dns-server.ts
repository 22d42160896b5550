import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { Catalog } from './catalog.js';
import { answerQuery } from './dns-answers.js';

/** Consul's DNS interface over UDP, answering from the catalog what `canRead` lets it. */
export function createDnsServer(
  catalog: Catalog,
  canRead: (service: string) => boolean = () => true,
): dgram.Socket {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, remote) => {
    let reply: Buffer;
    try {
      reply = dnsPacket.encode(answerQuery(catalog, dnsPacket.decode(message), canRead));
    } catch {
      return; // not a DNS packet we can read: drop it, as a resolver would
    }
    socket.send(reply, remote.port, remote.address);
  });
  return socket;
}
