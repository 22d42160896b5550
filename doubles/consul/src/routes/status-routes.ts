import type { RouteKit } from './route-kit.js';

/** /v1/status/*: the double is its own single server and leader. */
export function registerStatusRoutes({ add, state }: RouteKit): void {
  const serverAddress = `${state.catalog.node.address}:8300`;
  add('GET', '/v1/status/leader', () => ({ json: serverAddress }));
  add('GET', '/v1/status/peers', () => ({ json: [serverAddress] }));
}
