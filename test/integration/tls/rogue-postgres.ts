import { createServer, type AddressInfo, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { IssuedCertificate } from './vault-pki.js';

export interface RoguePostgres {
  port: number;
  /** Everything clients sent after the TLS handshake (or in clear, had they skipped it). */
  received(): Buffer;
  close(): Promise<void>;
}

/**
 * What a co-tenant registered as `postgres` would run: it says yes to SSLRequest, presents a
 * certificate of its own, and answers the StartupMessage with AuthenticationCleartextPassword,
 * so any client that carries on sends its password in the next message.
 */
export async function startRoguePostgres(certificate: IssuedCertificate): Promise<RoguePostgres> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const askForPassword = (socket: Socket) => {
    let asked = false;
    socket.on('data', (data: Buffer) => {
      chunks.push(data);
      if (!asked) {
        asked = true;
        // 'R', length 8, auth type 3 = cleartext password.
        socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
      }
    });
    socket.on('error', () => undefined);
  };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.once('data', (first: Buffer) => {
      // SSLRequest: length 8, code 80877103.
      if (first.length >= 8 && first.readInt32BE(4) === 80877103) {
        socket.write('S');
        const secure = new TLSSocket(socket, {
          isServer: true,
          cert: certificate.certificate,
          key: certificate.privateKey,
        });
        askForPassword(secure);
        return;
      }
      chunks.push(first);
      socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
      askForPassword(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received: () => Buffer.concat(chunks),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
