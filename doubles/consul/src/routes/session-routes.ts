import { Fields } from '../body-fields.js';
import { parseDurationMs } from '../duration.js';
import { badRequest, notFound } from '../errors.js';
import { sessionView } from '../sessions.js';
import type { RouteKit } from './route-kit.js';

/** A numeric or textual LockDelay below this is seconds (agent/session_endpoint.go FixupLockDelay). */
const LOCK_DELAY_MIN_THRESHOLD_NS = 1000;

/** /v1/session/*: create, destroy, renew, info, list and node (agent/session_endpoint.go). */
export function registerSessionRoutes({
  add,
  authorize,
  blocking,
  readable,
  state,
}: RouteKit): void {
  const { sessions, catalog } = state;

  add('PUT', '/v1/session/create', async (ctx) => {
    const text = (await ctx.body()).toString('utf8');
    const body = Fields.parseJson(text, 'session');
    const rawDelay = body.raw('LockDelay');
    let lockDelayMs = 15_000;
    if (rawDelay !== undefined && rawDelay !== null) {
      const ms = parseDurationMs(rawDelay);
      if (ms === undefined) throw badRequest(`Request decode failed: invalid LockDelay`);
      const ns = ms * 1e6;
      lockDelayMs = ns < LOCK_DELAY_MIN_THRESHOLD_NS ? ns * 1000 : ms;
    }
    const ttl = body.string('TTL') ?? '';
    const ttlMs = ttl === '' ? 0 : parseDurationMs(ttl);
    if (ttlMs === undefined) throw badRequest(`Request decode failed: invalid TTL "${ttl}"`);
    const node = body.string('Node') ?? catalog.node.name;
    authorize(ctx, 'session', 'write', node);
    // FixupChecks: a Checks key, even an empty list, replaces the default serfHealth.
    const checks = body.has('Checks') ? (body.stringList('Checks') ?? []) : undefined;
    const nodeChecks = body.stringList('NodeChecks');
    const serviceChecks = (body.objectList('ServiceChecks') ?? []).map((item) => {
      const id = item.string('ID');
      if (!id) throw badRequest('Request decode failed: ServiceChecks[].ID must be a string');
      return id;
    });
    const record = sessions.create({
      name: body.string('Name') ?? '',
      node,
      lockDelayMs,
      behavior: body.string('Behavior') ?? 'release',
      ttl,
      ttlMs,
      nodeChecks:
        checks ??
        nodeChecks ??
        (serviceChecks.length || body.has('NodeChecks') ? [] : ['serfHealth']),
      serviceChecks,
    });
    return { json: { ID: record.id } };
  });
  add('PUT', '/v1/session/destroy/:id', (ctx) => {
    const id = ctx.params[0] ?? '';
    authorize(ctx, 'session', 'write', sessions.get(id)?.node ?? catalog.node.name);
    sessions.destroy(id);
    return { json: true };
  });
  add('PUT', '/v1/session/renew/:id', (ctx) => {
    const id = ctx.params[0] ?? '';
    authorize(ctx, 'session', 'write', sessions.get(id)?.node ?? catalog.node.name);
    const record = sessions.renew(id);
    if (!record) throw notFound(`Session id '${id}' not found`);
    return { json: [sessionView(record)] };
  });
  add('GET', '/v1/session/info/:id', (ctx) => {
    const id = ctx.params[0] ?? '';
    return blocking(
      ctx,
      () => sessions.indexOf(id),
      () => {
        const record = sessions.get(id);
        return { json: record && readable(ctx) ? [sessionView(record)] : [] };
      },
    );
  });
  add('GET', '/v1/session/list', (ctx) =>
    blocking(
      ctx,
      () => sessions.index,
      () => ({ json: readable(ctx) ? sessions.list().map(sessionView) : [] }),
    ),
  );
  add('GET', '/v1/session/node/:node', (ctx) => {
    const node = ctx.params[0] ?? '';
    return blocking(
      ctx,
      () => sessions.index,
      () => ({
        json: readable(ctx)
          ? sessions
              .list()
              .filter((record) => record.node === node)
              .map(sessionView)
          : [],
      }),
    );
  });
}
