export {
  createLifecycle,
  type Lifecycle,
  type LifecycleLogger,
  type LifecycleOptions,
  type StopFn,
} from './lifecycle.js';
export {
  createReadinessRegistry,
  type CheckOptions,
  type ReadinessCheck,
  type ReadinessRegistry,
  type ReadinessReport,
} from './readiness.js';
export { handleProcessSignals } from './process-signals.js';
