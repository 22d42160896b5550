import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';
import { currentContext } from './context.js';

export type { Logger } from 'pino';

/**
 * Paths that may hold secrets or personal data. Censored wherever they appear one or two levels
 * deep, so a careless `log.info({ config })` cannot leak them.
 */
const REDACTED_KEYS = [
  'password',
  'token',
  'secret',
  'authorization',
  'cookie',
  'customerEmail',
  'email',
  'client_token',
  'secret_id',
  'privateKey',
  'private_key',
];
export const REDACT_PATHS = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  destination?: DestinationStream;
}

/**
 * A JSON logger whose every line carries `service`, the current request or message id and, inside
 * a span, the trace and span ids.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const context = currentContext();
        const span = trace.getActiveSpan()?.spanContext();
        const ids =
          span !== undefined && isSpanContextValid(span)
            ? { traceId: span.traceId, spanId: span.spanId }
            : {};
        return context === undefined ? ids : { ...context, ...ids };
      },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
