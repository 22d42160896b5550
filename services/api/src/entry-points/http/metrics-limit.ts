import type { RequestHandler } from 'express';
import { AppError } from '@flowstack/errors';
import type { NodeHandler } from '@flowstack/service-kit';

/**
 * `/metrics` is exempt from the per-client rate limit (Prometheus scrapes from one address) and
 * its answer is large (about 100 KB on a busy process), so a client pipelining it without reading
 * used to make the process hold hundreds of them. At most `max` answers exist at any time, across
 * all connections: a scraper never needs more, and the rest get 503 without rendering anything.
 */
export function limitMetricsInFlight(handler: NodeHandler, max: number): RequestHandler {
  let inFlight = 0;
  return (request, response, next) => {
    if (inFlight >= max) {
      next(
        new AppError('Metrics are being rendered for other scrapes; retry shortly.', {
          status: 503,
          code: 'metrics-busy',
          isOperational: true,
          retryAfterSeconds: 1,
        }),
      );
      return;
    }
    inFlight += 1;
    response.once('close', () => {
      inFlight -= 1;
    });
    handler(request, response);
  };
}
