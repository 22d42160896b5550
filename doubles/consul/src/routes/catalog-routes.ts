import { catalogServiceView, hasAllTags, nodeView } from '../views.js';
import { type RouteKit, rejectFilter } from './route-kit.js';

/** /v1/catalog/*: blocking catalog reads of the one datacenter. */
export function registerCatalogRoutes({ add, blocking, readable, state }: RouteKit): void {
  const { catalog } = state;

  add('GET', '/v1/catalog/datacenters', () => ({ json: [catalog.node.datacenter] }));
  add('GET', '/v1/catalog/services', (ctx) => {
    rejectFilter(ctx);
    return blocking(
      ctx,
      () => catalog.servicesTableIndex,
      () => {
        const out: Record<string, string[]> = {};
        if (readable(ctx)) {
          for (const service of catalog.allServices()) {
            const tags = new Set([...(out[service.name] ?? []), ...service.tags]);
            out[service.name] = [...tags].sort();
          }
        }
        return { json: out };
      },
    );
  });
  add('GET', '/v1/catalog/service/:name', (ctx) => {
    rejectFilter(ctx);
    const name = ctx.params[0] ?? '';
    const tags = ctx.query.getAll('tag');
    return blocking(
      ctx,
      () => catalog.indexOfName(name),
      () => ({
        json: readable(ctx, 'service', name)
          ? catalog
              .instancesOf(name)
              .filter((service) => hasAllTags(service, tags))
              .map((service) => catalogServiceView(catalog, service))
          : [],
      }),
    );
  });
  add('GET', '/v1/catalog/nodes', (ctx) => {
    rejectFilter(ctx);
    return blocking(
      ctx,
      () => catalog.node.modifyIndex,
      () => ({
        json: readable(ctx) ? [nodeView(catalog.node)] : [],
      }),
    );
  });
}
