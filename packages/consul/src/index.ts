export {
  createConsulClient,
  type BlockingWatch,
  type ConsulClient,
  type ConsulClientOptions,
  type KvEntry,
  type RawResponse,
  type ServiceDefinition,
  type WatchHandlers,
} from './consul-client.js';
export { consulError } from './consul-errors.js';
export type { ServiceInstance } from './schemas.js';
export { discoverService, type DiscoverOptions } from './discovery.js';
export { assertDiscoveryTrusted } from './discovery-trust.js';
export {
  discoverServiceByDns,
  resolveServiceByDns,
  type DnsDiscoverOptions,
} from './dns-discovery.js';
export { parseDnsServer, resolveSrv, type DnsServer, type SrvTarget } from './dns-resolver.js';
export type { DiscoveredService } from './follow-instances.js';
export { watchLiveConfig, type LiveConfig, type LiveConfigOptions } from './live-config.js';
export {
  registerService,
  type Registration,
  type RegistrationCheck,
  type RegistrationOptions,
} from './registration.js';
