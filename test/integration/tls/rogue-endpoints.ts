import { createServer, type AddressInfo, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { IssuedCertificate } from './vault-pki.js';

/** What a co-tenant registered as a data service runs; it records what clients send it. */
export interface RogueEndpoint {
  port: number;
  /** Everything clients sent (inside TLS, where there was a handshake). */
  received(): Buffer;
  close(): Promise<void>;
}

async function listen(
  onConnection: (socket: Socket, record: (data: Buffer) => void) => void,
): Promise<RogueEndpoint> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket, (data) => chunks.push(data));
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

function presenting(socket: Socket, certificate: IssuedCertificate): TLSSocket {
  const secure = new TLSSocket(socket, {
    isServer: true,
    cert: certificate.certificate,
    key: certificate.privateKey,
  });
  secure.on('error', () => undefined);
  return secure;
}

// 'R', length 8, auth type 3 = AuthenticationCleartextPassword.
const ASK_CLEARTEXT_PASSWORD = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]);

/**
 * A rogue PostgreSQL: it says yes to SSLRequest, presents `certificate`, and answers the
 * StartupMessage with AuthenticationCleartextPassword, so a client that carries on sends its
 * password in the next message.
 */
export function startRoguePostgres(certificate: IssuedCertificate): Promise<RogueEndpoint> {
  return listen((socket, record) => {
    const askForPassword = (stream: Socket) => {
      let asked = false;
      stream.on('data', (data: Buffer) => {
        record(data);
        if (!asked) stream.write(ASK_CLEARTEXT_PASSWORD);
        asked = true;
      });
    };
    socket.once('data', (first: Buffer) => {
      // SSLRequest: length 8, code 80877103.
      if (first.length >= 8 && first.readInt32BE(4) === 80877103) {
        socket.write('S');
        askForPassword(presenting(socket, certificate));
        return;
      }
      record(first);
      socket.write(ASK_CLEARTEXT_PASSWORD);
      askForPassword(socket);
    });
  });
}

/** A rogue TLS service (Redis, AMQPS): it presents `certificate` and answers +OK to anything. */
export function startRogueTlsListener(certificate: IssuedCertificate): Promise<RogueEndpoint> {
  return listen((socket, record) => {
    const secure = presenting(socket, certificate);
    secure.on('data', (data: Buffer) => {
      record(data);
      secure.write('+OK\r\n');
    });
  });
}
