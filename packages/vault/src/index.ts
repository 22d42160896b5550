export { createVaultClient, type VaultClient, type VaultClientOptions } from './vault-client.js';
export type { VaultAuthConfig } from './auth-methods.js';
export { createVaultHttp, type VaultHttp, type VaultHttpOptions } from './vault-http.js';
export { VaultError, isVaultError, type VaultErrorKind } from './vault-error.js';
export {
  createLeaseManager,
  type Lease,
  type LeaseListener,
  type LeaseManager,
  type ManagedSecret,
  type ManageSpec,
} from './lease-manager.js';
export { createTokenManager, type TokenManager } from './token-manager.js';
export {
  createVaultCredentialSource,
  type VaultCredentialSourceOptions,
} from './vault-credential-source.js';
export {
  createTransit,
  createTransitSealer,
  createEnvelopeSealer,
  rewrapSealed,
  ENVELOPE_PREFIX,
  type Transit,
  type PiiSealer,
  type EnvelopeOptions,
} from './transit.js';
export { readKv } from './kv.js';
export {
  issueCertificate,
  manageCertificate,
  type CertificateManager,
  type CertificateSpec,
  type IssuedCertificate,
} from './pki.js';
export { createVaultMetrics, type VaultMetrics } from './vault-metrics.js';
export {
  backoffDelayMs,
  renewDelayMs,
  renewAtFractionMs,
  retryDelayBeforeMs,
  type BackoffOptions,
} from './timing.js';
export {
  createLocalSealer,
  createPlaintextSealer,
  LOCAL_PREFIX,
  PLAINTEXT_PREFIX,
} from './local-sealers.js';
export * from './paths.js';
export { realClock, type VaultClock } from './clock.js';
