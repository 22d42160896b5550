import { ConfigError, loadConfig, type Env } from '@flowstack/config';
import { createLogger, type Logger } from '@flowstack/observability';
import type { z } from 'zod';
import type { Lifecycle } from './lifecycle/lifecycle.js';
import { handleProcessSignals } from './lifecycle/process-signals.js';
import { startTracing, type TracingConfig } from './tracing.js';

/**
 * The body of every process's main: validate config (a bad key exits 2 with a message naming
 * it), start, then hand SIGTERM/SIGINT to the ordered shutdown. A startup failure exits 1.
 */
export async function runMain<S extends z.ZodObject>(options: {
  service: string;
  schema: S;
  env?: Env;
  start(config: z.output<S>, logger: Logger): Promise<{ lifecycle: Lifecycle; url: string }>;
}): Promise<void> {
  let config: z.output<S>;
  try {
    config = loadConfig(options.service, options.schema, options.env ?? process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger({
    service: options.service,
    level: (config as { LOG_LEVEL?: string }).LOG_LEVEL,
  });
  // Before anything opens a connection, so every span of the process has a provider.
  const tracing = startTracing({
    service: options.service,
    config: config as unknown as TracingConfig,
  });
  try {
    const { lifecycle, url } = await options.start(config, logger);
    lifecycle.onStop('tracing', () => tracing.shutdown());
    handleProcessSignals(lifecycle, logger);
    logger.info({ url }, `${options.service} listening`);
  } catch (error) {
    logger.fatal({ err: error }, `${options.service} failed to start`);
    logger.flush();
    process.stderr.write(
      `${options.service} failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}
