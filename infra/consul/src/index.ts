export { bootstrapConsul, contains, type Action, type Change } from './bootstrap.js';
export {
  defaultDirectory,
  readDesiredState,
  type AclPolicy,
  type ConfigEntry,
  type DesiredState,
} from './desired-state.js';
