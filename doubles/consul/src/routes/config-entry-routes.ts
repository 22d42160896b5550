import { Fields } from '../body-fields.js';
import { requireKind } from '../config-entries.js';
import { type RouteKit, optionalUint } from './route-kit.js';

/** /v1/config*: config entries (service-defaults, service-intentions). */
export function registerConfigEntryRoutes({
  add,
  authorize,
  blocking,
  readable,
  state,
}: RouteKit): void {
  const { config } = state;

  add('PUT', '/v1/config', async (ctx) => {
    const body = Fields.parseJson((await ctx.body()).toString('utf8'), 'config entry');
    authorize(ctx, 'mesh', 'write');
    const cas = optionalUint(ctx.query, 'cas');
    return { json: config.apply(body, cas === undefined ? undefined : Number(cas)) };
  });
  add('GET', '/v1/config/:kind', (ctx) => {
    const kind = requireKind(ctx.params[0] ?? '');
    return blocking(
      ctx,
      () => config.indexOf(kind),
      () => ({
        json: readable(ctx) ? config.list(kind) : [],
      }),
    );
  });
  add('GET', '/v1/config/:kind/:name', (ctx) => {
    const kind = requireKind(ctx.params[0] ?? '');
    const name = ctx.params[1] ?? '';
    authorize(ctx, 'service', 'read', name);
    return blocking(
      ctx,
      () => config.indexOf(kind),
      () => {
        const entry = config.get(kind, name);
        if (!entry) {
          return { status: 404, text: `Config entry not found for "${kind}" / "${name}"` };
        }
        return { json: entry };
      },
    );
  });
  add('DELETE', '/v1/config/:kind/:name', (ctx) => {
    const kind = requireKind(ctx.params[0] ?? '');
    const name = ctx.params[1] ?? '';
    authorize(ctx, 'mesh', 'write');
    const cas = optionalUint(ctx.query, 'cas');
    const deleted = config.delete(kind, name, cas === undefined ? undefined : Number(cas));
    // Consul answers a plain delete with {} and a cas delete with the boolean.
    return { json: cas === undefined ? {} : deleted };
  });
}
