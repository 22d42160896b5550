import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';

/**
 * Who a data connection must reach before it sends a credential: a certificate chaining to `ca`
 * and carrying `serverName`. The address itself (a discovered IP, a DNS name) proves nothing.
 */
export interface TlsPeer {
  /** PEM of the CA(s) that may issue the server's certificate. */
  ca: string;
  /** Name the certificate must carry (SAN, as RFC 6125 asks). */
  serverName: string;
}

/**
 * node:tls options that verify the chain against the peer's CA only (not the system store) and
 * the certificate's name against `serverName` whatever host the client dialled: pg overwrites
 * `servername` with a DNS host and skips it for an IP, ioredis and amqplib pass the host, so
 * the name check is pinned here instead of left to the host each client happens to use.
 */
export function tlsConnectOptions(peer: TlsPeer): ConnectionOptions {
  return {
    ca: peer.ca,
    servername: peer.serverName,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    checkServerIdentity: (_host: string, cert: PeerCertificate) =>
      checkServerIdentity(peer.serverName, cert),
  };
}
