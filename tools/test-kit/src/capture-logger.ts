import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@flowstack/observability';

export interface CapturedLogger {
  logger: Logger;
  /** Every line as written (JSON text), so a test can check that a secret never appears. */
  lines: string[];
  /** The lines parsed. */
  entries(): Record<string, unknown>[];
}

/** The service's own logger (same redaction, same fields) writing into memory instead of stdout. */
export function captureLogger(service = 'test', level = 'debug'): CapturedLogger {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: createLogger({ service, level, destination }),
    lines,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
