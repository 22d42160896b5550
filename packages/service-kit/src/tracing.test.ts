import { context, trace, TraceFlags } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTracing, type Tracing } from './tracing.js';

const config = { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_TRACES_SAMPLER_ARG: 1 };
let tracing: Tracing | undefined;
afterEach(async () => {
  await tracing?.shutdown();
  tracing = undefined;
});

describe('startTracing', () => {
  it('when spans go nowhere, then new traces are not recorded but still have ids for logs and propagation', () => {
    tracing = startTracing({ service: 'api', config });
    const span = trace.getTracer('test').startSpan('GET');
    expect(span.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(span.spanContext())).toBe(true);
    span.end();
  });

  it("when spans go nowhere but the caller's trace is sampled, then it is still recorded", () => {
    tracing = startTracing({ service: 'api', config });
    const parent = trace.setSpanContext(context.active(), {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    const span = trace.getTracer('test').startSpan('GET', {}, parent);
    expect(span.isRecording()).toBe(true);
    expect(span.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    span.end();
  });

  it('when a span processor is given, then new traces are recorded and reach it', () => {
    const exporter = new InMemorySpanExporter();
    tracing = startTracing({
      service: 'api',
      config,
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    trace.getTracer('test').startSpan('GET').end();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['GET']);
  });
});
