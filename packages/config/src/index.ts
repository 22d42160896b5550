export {
  loadConfig,
  configProblems,
  type ConfigProblem,
  documentConfig,
  renderConfigTable,
  ConfigError,
  type ConfigKeyDoc,
  type Env,
} from './load-config.js';
export { commonConfigSchema, type CommonConfig } from './common-schema.js';
export * as fields from './fields.js';
export { liveConfigKeys } from './consul-keys.js';
export { vaultCredsKeys } from './vault-keys.js';
export { renderEnvExample, type EnvExampleSchemas } from './env-example.js';
export { markdownTable } from './markdown-table.js';
export { parseGoDuration, type GoDurationOptions } from './go-duration.js';
export { DATA_STORES, type DataStore, requireTlsCaFiles } from './data-tls-keys.js';
