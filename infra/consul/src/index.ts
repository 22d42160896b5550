export { bootstrapConsul, contains, type Action, type Change } from './bootstrap.js';
export {
  defaultDirectory,
  readDesiredState,
  type AclPolicy,
  type ConfigEntry,
  type DesiredState,
} from './desired-state.js';
export type { WorkloadIdentityOptions } from './bootstrap.js';
export * from './acl-objects.js';
