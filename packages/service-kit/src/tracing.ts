import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export interface TracingConfig {
  OTEL_EXPORTER_OTLP_ENDPOINT: string;
  OTEL_SERVICE_NAME?: string | undefined;
  OTEL_TRACES_SAMPLER_ARG: number;
}

export interface Tracing {
  /** Sends the spans still buffered, then stops; safe to call twice. */
  shutdown(): Promise<void>;
}

/**
 * Registers the process-wide tracer provider, the AsyncLocalStorage context manager and the W3C
 * trace-context propagator. The door packages (db, cache, queue, vault) and the api only use
 * `@opentelemetry/api`, which does nothing until this has run. Spans leave the process through
 * OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT is set; tests pass their own processors.
 * Without either, new traces are not recorded (about 3-6 % of the api's CPU under load).
 */
export function startTracing(options: {
  service: string;
  config: TracingConfig;
  spanProcessors?: SpanProcessor[];
}): Tracing {
  const { config } = options;
  const processors = [...(options.spanProcessors ?? [])];
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT !== '') {
    const base = config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '');
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` })));
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': config.OTEL_SERVICE_NAME ?? `flowstack-${options.service}`,
    }),
    // With nowhere for spans to go, traces this process starts are not recorded: their spans are
    // non-recording (trace and span ids still exist, so log lines and the propagated context keep
    // them) and cost no attributes, events or ends. A caller's sampled trace is still recorded.
    sampler: new ParentBasedSampler({
      root:
        processors.length === 0
          ? new AlwaysOffSampler()
          : new TraceIdRatioBasedSampler(config.OTEL_TRACES_SAMPLER_ARG),
    }),
    spanProcessors: processors,
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  let stopped: Promise<void> | undefined;
  return {
    shutdown() {
      stopped ??= provider.shutdown().finally(() => {
        trace.disable();
        propagation.disable();
        context.disable();
      });
      return stopped;
    },
  };
}
