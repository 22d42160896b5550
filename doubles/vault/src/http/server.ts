import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { errorOutput, type HttpOutput } from './envelope.js';
import { acceptWithListVerb, LIST_MARKER_HEADER } from './list-method.js';
import type { Pipeline } from './request-pipeline.js';

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface Listening {
  http: Server;
  url: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Vault (Go net/http) frames small answers with Content-Length; so does this, which also keeps
 * the answer one socket write instead of chunked pieces (head, size line, body, terminator).
 */
function send(res: ServerResponse, out: HttpOutput): void {
  const headers: Record<string, string | number> = { 'Cache-Control': 'no-store' };
  const body = out.status === 204 ? undefined : out.body;
  if (out.contentType && body !== undefined) headers['Content-Type'] = out.contentType;
  if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
  res.writeHead(out.status, headers);
  res.end(body);
}

/** Serves the pipeline over node:http and resolves once listening. */
export async function listen(pipeline: Pipeline, host: string, port: number): Promise<Listening> {
  const server = createServer((req, res) => {
    void (async () => {
      let out: HttpOutput;
      try {
        const body = await readBody(req);
        out =
          body === undefined
            ? errorOutput(413, 'http: request body too large')
            : await pipeline.handle({
                method: req.headers[LIST_MARKER_HEADER] === '1' ? 'LIST' : (req.method ?? 'GET'),
                url: req.url ?? '/',
                headers: req.headers,
                body,
                remoteAddress: req.socket.remoteAddress ?? '',
                remotePort: req.socket.remotePort ?? 0,
              });
      } catch (error) {
        out = errorOutput(500, error instanceof Error ? error.message : 'internal error');
      }
      send(res, out);
    })();
  });
  server.keepAliveTimeout = 5_000;
  const tcp = acceptWithListVerb(server);
  const sockets = new Set<Socket>();
  tcp.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });
  const address = tcp.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    http: server,
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        tcp.close((error) => (error ? reject(error) : resolve()));
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      }),
  };
}
