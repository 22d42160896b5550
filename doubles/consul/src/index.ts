export { startConsulDouble, VERSION } from './consul-double.js';
export type { ConsulDoubleOptions, RunningConsulDouble } from './consul-double.js';
export { ConsulDoubleError } from './errors.js';
