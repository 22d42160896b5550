export { startLocalStack, MissingDependencyError, type LocalStack } from './local-stack.js';
export {
  spawnService,
  serviceEntryPoint,
  type ServiceProcess,
  type SpawnOptions,
} from './service-process.js';
export { startLocalConsul, type LocalConsul } from './local-consul.js';
export { findUnreachable, isReachable, localDependencies, type Dependency } from './preflight.js';
export {
  startLocalVault,
  PG_AUTH,
  writeWorkloadJwt,
  type LocalVault,
  type LocalVaultOptions,
} from './local-vault.js';
export { LDAP_DIRECTORY, startLocalLdap, type LocalLdap } from './local-ldap.js';
