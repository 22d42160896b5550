export {
  openDataServices,
  rabbitmqNodes,
  type DataServices,
  type OpenDataServicesOptions,
} from './data-services.js';
export { createHealthEndpoints, type NodeHandler } from './health-endpoints.js';
export {
  startHealthServer,
  listen,
  createHttpGuard,
  type ConnectionLimits,
  type StartedServer,
} from './health-server.js';
export { readOrderIdSecret, ORDER_ID_SECRET_FIELD } from './order-id-secret.js';
export {
  createLifecycle,
  type Lifecycle,
  type LifecycleLogger,
  type LifecycleOptions,
  type StopFn,
} from './lifecycle/lifecycle.js';
export {
  createReadinessRegistry,
  type CheckOptions,
  type ReadinessCheck,
  type ReadinessRegistry,
  type ReadinessReport,
} from './lifecycle/readiness.js';
export { handleProcessSignals } from './lifecycle/process-signals.js';
export { runMain } from './run-main.js';
export { serveHealth } from './serve-health.js';
export {
  startService,
  type RunningService,
  type ServiceContext,
  type StartServiceOptions,
} from './start-service.js';
export { startTracing, type Tracing, type TracingConfig } from './tracing.js';
export { openVault, vaultAuthFrom } from './vault-login.js';
export {
  openCredentialSources,
  type CredentialSources,
  type DataServicesConfig,
  type VaultCredsConfig,
} from './credential-sources.js';
export { choosePiiSealer, createPiiRewrapper, type PiiRewrapper } from './pii.js';
export {
  openConsul,
  type ConsulWiring,
  type DataServiceName,
  type OpenConsulOptions,
} from './consul-wiring.js';
