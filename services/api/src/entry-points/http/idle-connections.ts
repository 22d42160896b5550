import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';

/**
 * Closes connections that never send a byte. headersTimeout and requestTimeout only apply once a
 * request has begun, so a silent socket would otherwise be held forever. The timer runs from the
 * connection (the TLS session, with TLS) to its first request. A client that has sent part of a
 * request is left to headersTimeout, which answers 408; after the first request, Node's
 * keep-alive handling owns the socket's timeout.
 */
export function cutSilentConnections(server: Server, idleMs: number): void {
  const waiting = new WeakSet<Socket>();
  const event = server instanceof TlsServer ? 'secureConnection' : 'connection';
  server.on(event, (socket: Socket) => {
    waiting.add(socket);
    socket.setTimeout(idleMs);
  });
  // With a 'timeout' listener on the server Node no longer destroys timed-out sockets itself, so
  // this one does, except for a request in progress.
  server.on('timeout', (socket: Socket) => {
    if (waiting.has(socket) && socket.bytesRead > 0) {
      waiting.delete(socket);
      socket.setTimeout(0);
      return;
    }
    socket.destroy();
  });
  // Before the app: a response finished synchronously must not have its keep-alive timer cleared.
  server.prependListener('request', (request) => {
    const socket = request.socket;
    if (!waiting.delete(socket)) return;
    socket.setTimeout(0);
  });
}
