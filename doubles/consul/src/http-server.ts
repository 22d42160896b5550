import http from 'node:http';
import { ConsulDoubleError } from './errors.js';
import {
  type Reply,
  type RouteContext,
  type State,
  buildRoutes,
  matchRoute,
} from './http-routes.js';

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The HTTP side of the double: routing, token resolution, Consul's headers, text/plain errors.
 * `shutdown` aborts every blocking query still waiting when the server stops.
 */
export function createHttpServer(state: State, shutdown: AbortSignal): http.Server {
  const routes = buildRoutes(state);
  // Nagle off explicitly (node:http's default too): small answers on kept-alive connections
  // must not wait for the client's delayed ACK.
  return http.createServer({ noDelay: true }, (request, response) => {
    void handle(request, response).catch((error: unknown) => {
      const status = error instanceof ConsulDoubleError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (!response.headersSent) send(response, { status, text: message }, false, state);
      else response.destroy();
    });
  });

  async function handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://consul-double');
    // Consul routes on Go's decoded URL.Path: every path parameter (service and check IDs,
    // names, KV keys, config entry names) arrives percent-decoded (agent/http.go, net/url).
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      send(response, { status: 400, text: '400 Bad Request' }, false, state);
      return;
    }
    const method =
      request.method === 'POST' && path !== '/v1/config' ? 'PUT' : (request.method ?? 'GET');
    const match = matchRoute(routes, method === 'HEAD' ? 'GET' : method, path);
    if (!match) {
      send(response, { status: 404, text: '404 page not found' }, false, state);
      return;
    }
    if ('allowed' in match) {
      response.setHeader('Allow', match.allowed.join(', '));
      send(response, { status: 405, text: `method ${method} not allowed` }, false, state);
      return;
    }
    const disconnected = new AbortController();
    response.on('close', () => disconnected.abort());
    const caller = state.acl.resolve(request.headers, url.searchParams);
    const ctx: RouteContext = {
      request,
      query: url.searchParams,
      params: match.params,
      caller,
      signal: AbortSignal.any([disconnected.signal, shutdown]),
      body: () => readBody(request),
    };
    const reply = await match.handler(ctx);
    if (!response.destroyed) send(response, reply, url.searchParams.has('pretty'), state);
  }
}

function send(response: http.ServerResponse, reply: Reply, pretty: boolean, state: State): void {
  const status = reply.status ?? 200;
  response.setHeader('X-Consul-Default-Acl-Policy', state.acl.enabled ? 'deny' : 'allow');
  response.setHeader('Vary', 'Accept-Encoding');
  if (reply.index !== undefined) {
    response.setHeader('X-Consul-Index', String(Math.max(reply.index, 1)));
    response.setHeader('X-Consul-Knownleader', 'true');
    response.setHeader('X-Consul-Lastcontact', '0');
  }
  let body: string | Buffer | undefined;
  let contentType: string | undefined = 'text/plain; charset=utf-8';
  if (reply.raw !== undefined) {
    body = reply.raw;
  } else if (reply.text !== undefined) {
    body = reply.text;
  } else if (reply.json !== undefined) {
    contentType = 'application/json';
    body = pretty ? `${JSON.stringify(reply.json, null, 4)}\n` : JSON.stringify(reply.json);
  } else {
    contentType = undefined;
  }
  // Consul (Go net/http) frames buffered answers with Content-Length; one framed write also
  // keeps a kept-alive answer from being split into chunked pieces on the socket.
  const headers: Record<string, string | number> = {};
  if (contentType !== undefined) headers['Content-Type'] = contentType;
  if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
  response.writeHead(status, headers);
  response.end(body);
}

async function readBody(request: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new ConsulDoubleError(413, `Request body too large, max size: ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
