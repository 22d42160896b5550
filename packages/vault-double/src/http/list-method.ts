import type { Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** Set on requests that arrived with the LIST verb, which node:http's parser rejects. */
export const LIST_MARKER_HEADER = 'x-vault-double-list';

const LIST_LINE = /\r\nLIST (\S+) (HTTP\/1\.[01])\r\n/g;

/**
 * Rewrites `LIST /path HTTP/1.1` request lines to `GET` plus a marker header. Vault clients send
 * the LIST verb (node-vault does by default) and llhttp only knows a fixed set of methods.
 * Request lines start the stream or follow a CRLF; JSON bodies cannot contain "\r\nLIST " so the
 * scan cannot hit a body. A line that may be a LIST line, split across chunks, is held back
 * until it is complete.
 */
export function createListRewriter(): (chunk: Buffer) => Buffer {
  let carry = '';
  /** Whether everything passed on so far ends at the start of a line. */
  let lineStart = true;
  return (chunk) => {
    let text = carry + chunk.toString('latin1');
    carry = '';
    const lastBreak = text.lastIndexOf('\r\n');
    const tailStart = lastBreak === -1 ? (lineStart ? 0 : -1) : lastBreak + 2;
    if (tailStart >= 0) {
      const tail = text.slice(tailStart);
      if (tail.startsWith('LIST ') || (tail.length > 0 && 'LIST '.startsWith(tail))) {
        carry = tail;
        text = text.slice(0, tailStart);
      }
    }
    if (text === '') return Buffer.alloc(0);
    const lead = lineStart ? '\r\n' : '';
    const rewritten = (lead + text).replace(
      LIST_LINE,
      (_m, target: string, version: string) =>
        `\r\nGET ${target} ${version}\r\n${LIST_MARKER_HEADER}: 1\r\n`,
    );
    lineStart = text.endsWith('\r\n');
    return Buffer.from(rewritten.slice(lead.length), 'latin1');
  };
}

/** A TCP server that feeds every connection, LIST lines rewritten, to the HTTP server. */
export function acceptWithListVerb(http: Server): NetServer {
  return createNetServer((socket: Socket) => {
    const rewrite = createListRewriter();
    const wrapped = new Duplex({
      read() {
        socket.resume();
      },
      write(chunk: Buffer, _encoding, callback) {
        socket.write(chunk, callback);
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
