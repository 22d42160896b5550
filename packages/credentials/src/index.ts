export {
  createCredentials,
  type Credentials,
  type CredentialSource,
  type RotationListener,
} from './credentials.js';
export { createStaticCredentialSource } from './static-source.js';
export {
  createManualCredentialSource,
  type CredentialValues,
  type ManualCredentialSource,
} from './rotating-source.js';
export {
  createManualAddressSource,
  sameAddress,
  type AddressSource,
  type ManualAddressSource,
  type MoveListener,
  type ServiceAddress,
} from './address-source.js';
export { tlsConnectOptions, type TlsPeer } from './tls-peer.js';
