import { badRequest } from '../errors.js';
import { isCheckStatus } from '../registration.js';
import { checkView, hasAllTags, healthEntryView, isPassing } from '../views.js';
import { type RouteKit, flag, rejectFilter } from './route-kit.js';

/** /v1/health/*: blocking health reads over the catalog. */
export function registerHealthRoutes({ add, blocking, readable, state }: RouteKit): void {
  const { catalog } = state;

  add('GET', '/v1/health/service/:name', (ctx) => {
    rejectFilter(ctx);
    const name = ctx.params[0] ?? '';
    const tags = ctx.query.getAll('tag');
    const passingOnly = flag(ctx.query, 'passing');
    return blocking(
      ctx,
      () => catalog.indexOfName(name),
      () => ({
        json: readable(ctx, 'service', name)
          ? catalog
              .instancesOf(name)
              .filter((service) => hasAllTags(service, tags))
              .filter((service) => !passingOnly || isPassing(catalog, service))
              .map((service) => healthEntryView(catalog, service))
          : [],
      }),
    );
  });
  add('GET', '/v1/health/checks/:name', (ctx) => {
    rejectFilter(ctx);
    const name = ctx.params[0] ?? '';
    return blocking(
      ctx,
      () => catalog.indexOfName(name),
      () => ({
        json: readable(ctx)
          ? catalog
              .allChecks()
              .filter((check) => check.serviceName === name)
              .map((check) => checkView(check, catalog.node.name))
          : [],
      }),
    );
  });
  add('GET', '/v1/health/state/:state', (ctx) => {
    rejectFilter(ctx);
    const state = ctx.params[0] ?? '';
    if (state !== 'any' && !isCheckStatus(state)) throw badRequest('Invalid check state');
    return blocking(
      ctx,
      () => catalog.checksTableIndex,
      () => ({
        json: readable(ctx)
          ? catalog
              .allChecks()
              .filter((check) => state === 'any' || check.status === state)
              .map((check) => checkView(check, catalog.node.name))
          : [],
      }),
    );
  });
  add('GET', '/v1/health/node/:node', (ctx) => {
    rejectFilter(ctx);
    const node = ctx.params[0] ?? '';
    return blocking(
      ctx,
      () => catalog.checksTableIndex,
      () => ({
        json:
          readable(ctx) && node === catalog.node.name
            ? catalog.allChecks().map((check) => checkView(check, catalog.node.name))
            : [],
      }),
    );
  });
}
