/**
 * sys/leases/* and the legacy sys/renew, sys/revoke, sys/revoke-prefix aliases, independent of HTTP.
 *
 * Wiring, for the HTTP core: pass `createLeaseRouteModule(leaseManager)` in `routeModules`
 * (it is a RouteModule with prefixes sys/leases/, sys/renew, sys/revoke). Its extra
 * `needsSudo(path, operation)` says which paths Vault marks sudo-only (revoke-prefix, LIST of
 * sys/leases/lookup/): check `sudo` on those as well. Or call
 *   `await handleLeaseRequest(leaseManager, { operation, subPath, body })` with the path after `sys/`.
 * Render the EngineResponse like an engine's (a `lease` goes to lease_id / lease_duration /
 * renewable, `warnings` to warnings, 204 has no body; a VaultError thrown becomes
 * `{"errors":[message]}`). An empty LIST answers status 404 with no data: render `{"errors":[]}`.
 */
import type { LeaseManager } from '../core/leases.js';
import { parseDuration } from '../core/ttl.js';
import type { EngineResponse, Operation, RouteModule } from '../core/types.js';
import { VaultError } from '../core/types.js';

export interface LeaseRouteRequest {
  operation: Operation;
  /** Path after `sys/`, no leading slash: "leases/renew", "revoke/database/creds/x/abc". */
  subPath: string;
  body: Record<string, unknown>;
}

type LeaseAction = 'lookup' | 'list' | 'renew' | 'revoke' | 'revoke-prefix';

interface LeaseRoute {
  action: LeaseAction;
  /** What follows the action in the URL: a lease id or a prefix (may be empty). */
  rest: string;
}

const ROUTES: { re: RegExp; action: LeaseAction }[] = [
  { re: /^leases\/lookup(?:\/(.*))?$/, action: 'lookup' },
  { re: /^(?:leases\/)?renew(?:\/(.*))?$/, action: 'renew' },
  { re: /^(?:leases\/)?revoke-prefix\/(.+)$/, action: 'revoke-prefix' },
  { re: /^(?:leases\/)?revoke(?:\/(.*))?$/, action: 'revoke' },
];

function matchRoute(subPath: string): LeaseRoute | undefined {
  for (const { re, action } of ROUTES) {
    const m = re.exec(subPath);
    if (m) return { action, rest: m[1] ?? '' };
  }
  return undefined;
}

export function isLeasePath(subPath: string): boolean {
  return matchRoute(subPath) !== undefined;
}

/** Vault's sys backend lists these as sudo paths. */
export function leaseRouteNeedsSudo(subPath: string, operation: Operation): boolean {
  const route = matchRoute(subPath);
  if (!route) return false;
  return route.action === 'revoke-prefix' || (route.action === 'lookup' && operation === 'list');
}

export async function handleLeaseRequest(
  manager: LeaseManager,
  req: LeaseRouteRequest,
): Promise<EngineResponse> {
  const route = matchRoute(req.subPath);
  if (!route) throw new VaultError(404, `unsupported path`);
  const writes = req.operation === 'create' || req.operation === 'update';

  if (route.action === 'lookup' && req.operation === 'list') {
    const keys = manager.list(route.rest);
    return keys.length === 0 ? { status: 404 } : { status: 200, data: { keys } };
  }
  if (!writes) throw new VaultError(405, 'unsupported operation');

  switch (route.action) {
    case 'lookup': {
      const info = manager.lookup(leaseIdOf(req.body, ''));
      return {
        status: 200,
        data: {
          id: info.id,
          issue_time: info.issueTime.toISOString(),
          expire_time: info.expireTime.toISOString(),
          last_renewal: info.lastRenewal ? info.lastRenewal.toISOString() : null,
          renewable: info.renewable,
          ttl: info.ttlSeconds,
        },
      };
    }
    case 'renew': {
      const leaseId = leaseIdOf(req.body, route.rest);
      const increment = parseDuration(req.body.increment, 0, 'increment');
      const result = await manager.renew(leaseId, increment);
      return {
        status: 200,
        lease: result.lease,
        ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
      };
    }
    case 'revoke': {
      await manager.revoke(leaseIdOf(req.body, route.rest));
      return { status: 204 };
    }
    case 'revoke-prefix': {
      await manager.revokePrefix(route.rest);
      return { status: 204 };
    }
    default:
      throw new VaultError(405, 'unsupported operation');
  }
}

/** The body's lease_id wins over the one in the URL, as in Vault. */
function leaseIdOf(body: Record<string, unknown>, fromUrl: string): string {
  const fromBody = body.lease_id;
  const id = typeof fromBody === 'string' && fromBody !== '' ? fromBody : fromUrl;
  if (id === '') throw new VaultError(400, 'lease_id must be specified');
  return id;
}

export interface LeaseRouteModule extends RouteModule {
  /** `path` is the full path after /v1/, as in RouteRequest. */
  needsSudo(path: string, operation: Operation): boolean;
}

export function createLeaseRouteModule(manager: LeaseManager): LeaseRouteModule {
  const subPathOf = (path: string) => path.replace(/^\/+/, '').replace(/^sys\//, '');
  return {
    prefixes: ['sys/leases/', 'sys/renew', 'sys/revoke'],
    needsSudo: (path, operation) => leaseRouteNeedsSudo(subPathOf(path), operation),
    handle: (req) =>
      handleLeaseRequest(manager, {
        operation: req.operation,
        subPath: subPathOf(req.path),
        body: req.body,
      }),
  };
}
