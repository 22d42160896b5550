import { randomUUID } from 'node:crypto';
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type TextMapGetter,
} from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import {
  fixedShapeLogger,
  runWithContext,
  type Logger,
  type Metrics,
} from '@flowstack/observability';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The matched route template ("/v1/products/:id"), so metrics do not explode per id. */
function routeOf(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : 'unmatched';
}

const tracer = trace.getTracer('@flowstack/api');

const requestHeaders: TextMapGetter<Request> = {
  keys: (req) => Object.keys(req.headers),
  get: (req, key) => req.get(key),
};

/**
 * Gives each request an id (the caller's X-Request-Id when it is sane, else a new UUID), runs the
 * rest of the chain inside it and inside the request's server span so every log line carries them,
 * and records one metric, one log line and the span's end when the response finishes.
 */
export function requestContext(logger: Logger, metrics: Metrics) {
  // The line below is built here from the method, the route template and numbers only.
  const requestLog = fixedShapeLogger(logger);
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.get('x-request-id');
    const requestId =
      incoming !== undefined && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    // A caller's W3C traceparent is continued; otherwise the request starts a trace.
    const parent = propagation.extract(context.active(), req, requestHeaders);
    const span = tracer.startSpan(
      `${req.method}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'flowstack.request_id': requestId },
      },
      parent,
    );
    runWithContext({ requestId }, () => {
      res.on('finish', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const route = routeOf(req);
        span.updateName(`${req.method} ${route}`);
        span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        metrics.http.requestDuration.observe(
          { method: req.method, route, status: String(res.statusCode) },
          seconds,
        );
        const line = {
          method: req.method,
          route,
          status: res.statusCode,
          durationMs: Math.round(seconds * 1000),
        };
        if (res.statusCode >= 500) requestLog.error(line, 'request failed');
        else requestLog.info(line, 'request');
      });
      context.with(trace.setSpan(parent, span), next);
    });
  };
}
