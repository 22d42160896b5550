export {
  loadConfig,
  documentConfig,
  renderConfigTable,
  ConfigError,
  type ConfigKeyDoc,
  type Env,
} from './load-config.js';
export {
  apiConfigSchema,
  commonConfigSchema,
  type CommonConfig,
  workerConfigSchema,
  type ApiConfig,
  type WorkerConfig,
} from './service-schemas.js';
export * as fields from './fields.js';
export { liveConfigKeys } from './consul-keys.js';
export { renderEnvExample } from './env-example.js';
export { markdownTable } from './markdown-table.js';
export { parseGoDuration, type GoDurationOptions } from './go-duration.js';
export { DATA_STORES, type DataStore, requireTlsCaFiles } from './data-tls-keys.js';
