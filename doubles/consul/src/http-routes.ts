import { aclAuthRoutes } from './acl-auth/acl-routes.js';
import { registerAgentRoutes } from './routes/agent-routes.js';
import { registerCatalogRoutes } from './routes/catalog-routes.js';
import { registerConfigEntryRoutes } from './routes/config-entry-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerKvRoutes } from './routes/kv-routes.js';
import {
  type Handler,
  type Route,
  type RouteKit,
  type State,
  createRouteKit,
} from './routes/route-kit.js';
import { registerSessionRoutes } from './routes/session-routes.js';
import { registerStatusRoutes } from './routes/status-routes.js';

export type { Reply, RouteContext, State } from './routes/route-kit.js';

/** One registration function per API area (`routes/<area>-routes.ts`). */
const AREAS: ((kit: RouteKit) => void)[] = [
  registerStatusRoutes,
  registerAgentRoutes,
  registerHealthRoutes,
  registerCatalogRoutes,
  registerKvRoutes,
  registerSessionRoutes,
  registerConfigEntryRoutes,
];

/** Builds the route table over the double's state. */
export function buildRoutes(state: State): Route[] {
  const routes: Route[] = [];
  const kit = createRouteKit(state, routes);
  for (const route of aclAuthRoutes(state.acl)) kit.add(route.method, route.path, route.handler);
  for (const register of AREAS) register(kit);
  return routes;
}

export function matchRoute(
  routes: Route[],
  method: string,
  path: string,
): { handler: Handler; params: string[] } | { allowed: string[] } | undefined {
  const allowed: string[] = [];
  const exact = routes.filter((route) => route.exact && route.pattern.test(path));
  for (const route of exact.length ? exact : routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method === method) return { handler: route.handler, params: match.slice(1) };
    allowed.push(route.method);
  }
  return allowed.length ? { allowed } : undefined;
}
