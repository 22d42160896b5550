import type { Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** Set on requests that arrived with the LIST verb, which node:http's parser rejects. */
export const LIST_MARKER_HEADER = 'x-vault-double-list';

const LIST_LINE = /^((?:\r\n)*)LIST (\S+) (HTTP\/1\.[01])\r\n/;
const MAX_HEAD_BYTES = 64 * 1024;

/**
 * Rewrites `LIST /path HTTP/1.1` request lines to `GET` plus a marker header. Vault clients send
 * the LIST verb (node-vault does by default) and llhttp only knows a fixed set of methods.
 * It follows the request framing (head, then Content-Length bytes of body) so that only request
 * lines are touched, on fresh and kept-alive connections alike. After a chunked request body it
 * stops rewriting for the rest of that connection (Vault clients send Content-Length).
 */
export function createListRewriter(): (chunk: Buffer) => Buffer {
  let head: Buffer = Buffer.alloc(0);
  let bodyLeft = 0;
  let passthrough = false;
  return (chunk) => {
    const out: Buffer[] = [];
    let rest: Buffer = chunk;
    while (rest.length > 0) {
      if (passthrough) {
        out.push(rest);
        break;
      }
      if (bodyLeft > 0) {
        const n = Math.min(bodyLeft, rest.length);
        out.push(rest.subarray(0, n));
        bodyLeft -= n;
        rest = rest.subarray(n);
        continue;
      }
      head = Buffer.concat([head, rest]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (head.length > MAX_HEAD_BYTES) {
          out.push(head);
          head = Buffer.alloc(0);
          passthrough = true;
        }
        break;
      }
      const headText = head.subarray(0, end + 4).toString('latin1');
      rest = head.subarray(end + 4);
      head = Buffer.alloc(0);
      out.push(
        Buffer.from(
          headText.replace(
            LIST_LINE,
            (_m, lead: string, target: string, version: string) =>
              `${lead}GET ${target} ${version}\r\n${LIST_MARKER_HEADER}: 1\r\n`,
          ),
          'latin1',
        ),
      );
      if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(headText)) passthrough = true;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(headText)?.[1];
      bodyLeft = length === undefined ? 0 : Number.parseInt(length, 10);
    }
    return Buffer.concat(out);
  };
}

/**
 * A TCP server that feeds every connection, LIST lines rewritten, to the HTTP server.
 *
 * Two things keep kept-alive requests from stalling (measured: 200 sequential requests took
 * 20-40 ms each before, about 1 ms after). node:http only turns Nagle off on sockets its own
 * `net.Server` accepted, so this accepted socket gets `setNoDelay` here. And node:http corks the
 * head and body of a response: without `writev` the Duplex would hand them to the socket as
 * separate small writes, the second of which Nagle holds until the client's delayed ACK.
 */
export function acceptWithListVerb(http: Server): NetServer {
  return createNetServer((socket: Socket) => {
    socket.setNoDelay(true);
    const rewrite = createListRewriter();
    const wrapped = new Duplex({
      read() {
        socket.resume();
      },
      write(chunk: Buffer, _encoding, callback) {
        socket.write(chunk, callback);
      },
      writev(chunks: { chunk: Buffer }[], callback) {
        socket.write(
          chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk)),
          callback,
        );
      },
      final(callback) {
        socket.end(callback);
      },
      destroy(error, callback) {
        socket.destroy(error ?? undefined);
        callback(error);
      },
    });
    socket.on('data', (chunk: Buffer) => {
      const out = rewrite(chunk);
      if (out.length > 0 && !wrapped.push(out)) socket.pause();
    });
    socket.on('end', () => wrapped.push(null));
    socket.on('error', (error) => wrapped.destroy(error));
    socket.on('close', () => wrapped.destroy());
    Object.assign(wrapped, {
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort,
      remoteFamily: socket.remoteFamily,
      localAddress: socket.localAddress,
      localPort: socket.localPort,
      encrypted: false,
      setTimeout: (ms: number, cb?: () => void) => {
        socket.setTimeout(ms, cb);
        return wrapped;
      },
      setNoDelay: (noDelay?: boolean) => {
        socket.setNoDelay(noDelay);
        return wrapped;
      },
      setKeepAlive: (enable?: boolean, delay?: number) => {
        socket.setKeepAlive(enable, delay);
        return wrapped;
      },
    });
    http.emit('connection', wrapped);
  });
}
