import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { ReadinessRegistry } from './lifecycle/readiness.js';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * `/health/live` answers while the event loop turns (restart me if not); `/health/ready` checks
 * the dependencies and goes 503 while draining (stop routing to me). Plain node handlers, so the
 * api (Express) and the worker (node:http) serve the same thing.
 */
export function createHealthEndpoints(options: {
  readiness: ReadinessRegistry;
  registry: Registry;
}): {
  live: NodeHandler;
  ready: NodeHandler;
  metrics: NodeHandler;
} {
  return {
    live: (_req, res) => sendJson(res, 200, { status: 'live' }),
    ready: (_req, res) => {
      options.readiness
        .report()
        .then((report) =>
          sendJson(res, report.ready ? 200 : 503, {
            status: report.ready ? 'ready' : 'not ready',
            ...report,
          }),
        )
        .catch(() => sendJson(res, 503, { status: 'not ready' }));
    },
    metrics: (_req, res) => {
      options.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': options.registry.contentType });
          res.end(text);
        })
        .catch(() => sendJson(res, 500, { status: 'metrics unavailable' }));
    },
  };
}
