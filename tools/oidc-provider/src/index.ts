export {
  startOidcProvider,
  type OidcClient,
  type OidcProviderOptions,
  type RunningOidcProvider,
} from './oidc-server.js';
export { DEMO_PEOPLE, findPerson, type DemoPerson } from './demo-people.js';
