import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Link,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';

const tracer = trace.getTracer('@flowstack/queue');

const headerGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

async function inSpan<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * A producer span around one publish; `send` gets the headers that carry its context (W3C
 * `traceparent`, `tracestate`), so the consumer's span continues the trace.
 */
export function tracePublish<T>(
  exchange: string,
  routingKey: string,
  send: (traceHeaders: Record<string, string>) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    `publish ${exchange}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'rabbitmq',
        'messaging.operation.type': 'send',
        'messaging.destination.name': exchange,
        'messaging.rabbitmq.destination.routing_key': routingKey,
      },
    },
    (span) => {
      const traceHeaders: Record<string, string> = {};
      propagation.inject(context.active(), traceHeaders);
      return inSpan(span, () => send(traceHeaders));
    },
  );
}

/**
 * A consumer span around the handling of one delivery or one batch. One message: the span is a
 * child of the publisher's. A batch mixes traces, so its span starts a trace of its own and links
 * to each message's (OpenTelemetry messaging conventions).
 */
export function traceConsume<T>(
  queue: string,
  headers: readonly Record<string, unknown>[],
  work: () => Promise<T>,
): Promise<T> {
  const parents = headers.map((carrier) =>
    propagation.extract(ROOT_CONTEXT, carrier, headerGetter),
  );
  const single = parents.length === 1 ? parents[0] : undefined;
  const links: Link[] =
    single === undefined
      ? parents.flatMap((parent) => {
          const spanContext = trace.getSpanContext(parent);
          return spanContext === undefined ? [] : [{ context: spanContext }];
        })
      : [];
  return tracer.startActiveSpan(
    `process ${queue}`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        'messaging.system': 'rabbitmq',
        'messaging.operation.type': 'process',
        'messaging.destination.name': queue,
        'messaging.batch.message_count': headers.length,
      },
    },
    single ?? ROOT_CONTEXT,
    (span) => inSpan(span, work),
  );
}
