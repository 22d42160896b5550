import { z } from 'zod';

/**
 * OpenTelemetry keys every process shares. Spans are always made and the W3C trace context is
 * always passed on (so log lines carry a trace id and a downstream process can continue the
 * trace); they leave the process only when an OTLP endpoint is set.
 */
export const tracingKeys = {
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .string()
    .default('')
    .refine((value) => value === '' || /^https?:\/\/\S+$/.test(value), 'expected an http(s) URL')
    .describe(
      'OTLP/HTTP collector base URL (e.g. http://127.0.0.1:4318); traces go to <url>/v1/traces. Empty: no export (default).',
    ),
  OTEL_SERVICE_NAME: z
    .string()
    .optional()
    .describe('service.name of the exported spans; unset = flowstack-<service>.'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(1)
    .describe(
      'Share of new traces sampled (0..1); a continued trace follows its parent’s decision.',
    ),
};
