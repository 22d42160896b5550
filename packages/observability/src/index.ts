export { runWithContext, currentContext, type WorkContext } from './context.js';
export {
  createLogger,
  fixedShapeLogger,
  REDACT_PATHS,
  serializeError,
  type Logger,
  type LoggerOptions,
} from './logger.js';
export { createMetrics, type Metrics, type HttpMetrics, type QueueMetrics } from './metrics.js';
