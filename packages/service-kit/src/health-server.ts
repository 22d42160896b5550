import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROBLEM_CONTENT_TYPE, toProblem, AppError } from '@flowstack/errors';
import type { NodeHandler } from './health-endpoints.js';
import { createHttpGuard } from './http-guard.js';

export { createHttpGuard, type ConnectionLimits } from './http-guard.js';

/**
 * A health port answers probes and scrapes, small and quick: every request must arrive within
 * seconds (Node's 60 s header default let a half-sent request hold a socket a minute).
 */
const HEALTH_TIMEOUTS = { headersTimeout: 5_000, requestTimeout: 10_000 } as const;
const HEALTH_LIMITS = {
  silentMs: 5_000,
  maxPendingResponses: 16,
  writeStallMs: 10_000,
  closeGraceMs: 1_000,
} as const;

export interface StartedServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** A minimal HTTP server for processes that only expose health and metrics (the worker). */
export async function startHealthServer(options: {
  host: string;
  port: number;
  routes: Record<string, NodeHandler>;
}): Promise<StartedServer> {
  const guard = createHttpGuard(HEALTH_LIMITS);
  const server = createServer(
    { ...guard.serverOptions, ...HEALTH_TIMEOUTS, connectionsCheckingInterval: 1_000 },
    guard.handle((req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const handler = options.routes[path];
      if (handler !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
        handler(req, res);
        return;
      }
      const problem = toProblem(
        handler === undefined
          ? AppError.notFound(`No route for ${path}.`)
          : new AppError('Only GET is allowed here.', { status: 405, code: 'method-not-allowed' }),
        path,
      );
      res.writeHead(problem.status, { 'content-type': PROBLEM_CONTENT_TYPE });
      res.end(JSON.stringify(problem));
    }),
  );
  guard.attach(server);
  return listen(server, options.host, options.port);
}

/** Listens and resolves with the URL; close() stops accepting and waits for open requests. */
export function listen(server: Server, host: string, port: number): Promise<StartedServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost =
        address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
      resolve({
        url: `http://${shownHost}:${address.port}`,
        server,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeIdleConnections();
          }),
      });
    });
  });
}
