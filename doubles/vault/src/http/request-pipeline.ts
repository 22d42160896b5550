import type { AuditRecord } from '../audit/audit-broker.js';
import type { StoredToken } from '../auth/token-store.js';
import type { BackendResponse } from '../core/backend.js';
import { newUuid } from '../core/ids.js';
import { VaultError, type Operation } from '../core/types.js';
import type { VaultCore } from '../core/vault-core.js';
import { errorOutput, permissionDenied, renderResponse, type HttpOutput } from './envelope.js';
import { createRouter, isRawHandlerPath, needsRootPathSudo, type ResolvedRoute } from './router.js';

export interface HttpInput {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  remoteAddress: string;
  remotePort: number;
}

export interface Pipeline {
  handle(input: HttpInput): Promise<HttpOutput>;
}

/** Authenticate, route, authorize, audit, dispatch and render one request, Vault's way. */
export function createPipeline(core: VaultCore, onChange: () => void): Pipeline {
  const resolve = createRouter(core);

  const tokenOf = (headers: HttpInput['headers']): string => {
    const header = headers['x-vault-token'];
    if (typeof header === 'string' && header !== '') return header;
    const authz = headers['authorization'];
    if (typeof authz === 'string' && /^bearer /i.test(authz)) return authz.slice(7).trim();
    return '';
  };

  const handle = async (input: HttpInput): Promise<HttpOutput> => {
    const url = new URL(input.url, 'http://vault-double');
    if (!url.pathname.startsWith('/v1/')) return errorOutput(404, '');
    let fullPath: string;
    try {
      fullPath = decodeURIComponent(url.pathname.slice(4)).replace(/^\/+/, '');
    } catch {
      return errorOutput(400, 'invalid path encoding');
    }
    const method = input.method.toUpperCase();
    const listParam = url.searchParams.get('list');
    let operation: Operation;
    if (
      method === 'LIST' ||
      ((method === 'GET' || method === 'HEAD') && (listParam === 'true' || listParam === '1'))
    ) {
      operation = 'list';
    } else if (method === 'GET' || method === 'HEAD') {
      operation = 'read';
    } else if (method === 'POST' || method === 'PUT') {
      operation = 'update';
    } else if (method === 'DELETE') {
      operation = 'delete';
    } else if (method === 'PATCH') {
      operation = 'patch';
    }
    // http/logical.go: an HTTP method Vault has no operation for is 405 with no error text.
    else {
      return errorOutput(405, '');
    }
    if (operation === 'patch') {
      // http/logical.go buildLogicalRequestNoAuth, before any token check.
      const header = input.headers['content-type'];
      const mediaType = (typeof header === 'string' ? header : '')
        .split(';')[0]
        ?.trim()
        .toLowerCase();
      if (!mediaType) return errorOutput(400, 'mime: no media type');
      if (mediaType !== 'application/merge-patch+json') {
        return errorOutput(
          415,
          `PATCH requires Content-Type of application/merge-patch+json, provided ${mediaType}`,
        );
      }
    }
    const isList = operation === 'list';
    const routePath = fullPath.replace(/\/+$/, '');

    let body: Record<string, unknown> = {};
    if (input.body.length > 0 && operation !== 'read' && operation !== 'list') {
      try {
        const parsed: unknown = JSON.parse(input.body.toString('utf8'));
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
          body = parsed as Record<string, unknown>;
        } else if (parsed !== null) {
          return errorOutput(400, 'failed to parse JSON input: expected an object');
        }
      } catch (error) {
        return errorOutput(400, `failed to parse JSON input: ${(error as Error).message}`);
      }
    }

    const route = resolve(routePath);
    const clientToken = tokenOf(input.headers);
    const unauthenticated = route?.backend.isUnauthenticated(route.path, operation) ?? false;
    let token: StoredToken | undefined =
      clientToken === '' ? undefined : core.tokens.lookup(clientToken);
    if (!unauthenticated && !token) return permissionDenied();
    if (unauthenticated && !token) token = undefined;

    // http/help.go: a non-empty `help` parameter turns any logical request into a help request,
    // which every policy allows (vault/acl.go) and which changes nothing.
    const help = url.searchParams.get('help');
    if (help !== null && help !== '' && !isRawHandlerPath(routePath)) {
      if (!route) return noRoute(routePath);
      return helpOutput(route);
    }

    if (route && (method === 'POST' || method === 'PUT')) {
      operation = (await route.backend.exists(route.path)) ? 'update' : 'create';
    }

    if (!unauthenticated && token) {
      const acl = await core.aclFor(token);
      if (!acl.isRoot) {
        const caps = acl.capabilities(isList ? `${routePath}/` : routePath);
        const sudo =
          (route?.backend.needsSudo(route.path, operation) ?? false) ||
          needsRootPathSudo(routePath);
        if (!caps.has(operation) || (sudo && !caps.has('sudo'))) return permissionDenied();
        // hashicorp/vault vault/acl.go (AllowOperation): a denied parameter refuses the request.
        const aclPath = isList ? `${routePath}/` : routePath;
        if (Object.keys(body).some((name) => acl.deniesParameter(aclPath, name))) {
          return permissionDenied();
        }
      }
    }
    if (!route) return noRoute(routePath);
    if (token && !unauthenticated) core.tokens.consumeUse(token);
    if (typeof input.headers['x-vault-wrap-ttl'] === 'string') {
      // Answering unwrapped would hand the secret to a caller that asked for a wrapping token.
      return errorOutput(400, 'response wrapping is not implemented by vault-double');
    }

    const requestId = newUuid();
    const record: AuditRecord = {
      time: new Date(core.clock.now()),
      requestId,
      operation,
      path: fullPath,
      data: Object.keys(body).length > 0 ? body : undefined,
      remoteAddress: input.remoteAddress,
      remotePort: input.remotePort,
      mount: route.mount,
      token: token && {
        id: token.id,
        accessor: token.accessor,
        displayName: token.displayName,
        policies: token.policies,
        metadata: token.meta,
        entityId: token.entityId,
        ttl: token.creationTtl,
        issueTime: new Date(token.creationTime * 1000).toISOString(),
      },
    };
    core.audit.logRequest(record);

    let response: BackendResponse;
    try {
      response = await route.backend.handle({
        requestId,
        operation,
        fullPath: routePath,
        path: route.path,
        body,
        query: url.searchParams,
        token,
      });
    } catch (error) {
      const vaultError =
        error instanceof VaultError
          ? error
          : new VaultError(500, error instanceof Error ? error.message : 'internal error');
      core.audit.logResponse(record, {
        data: undefined,
        auth: undefined,
        warnings: [],
        error: vaultError.message || undefined,
      });
      return errorOutput(vaultError.status, vaultError.message);
    }
    if (operation !== 'read' && operation !== 'list' && response.status < 400) onChange();
    core.audit.logResponse(record, {
      data: response.data,
      auth: response.auth as unknown as Record<string, unknown> | undefined,
      warnings: response.warnings ?? [],
      error: undefined,
    });
    const output = renderResponse(requestId, response, route.mountType, isList);
    return method === 'HEAD' ? { ...output, body: '' } : output;
  };

  return { handle };
}

/** The help operation's answer: Vault's `respondOk(w, resp.Data)`, so no envelope. */
function helpOutput(route: ResolvedRoute): HttpOutput {
  const where = route.mount?.point ?? 'sys/';
  return {
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({
      help: `## DESCRIPTION\n\nThe ${route.mountType} backend mounted at ${where}, served by vault-double. Its paths and fields are listed in the vault-double README.`,
      see_also: null,
    }),
  };
}

/**
 * No backend serves the path: under sys/ the system backend's own ErrUnsupportedPath, elsewhere
 * the router's "no handler for route" (vault/router.go), both 404.
 */
function noRoute(routePath: string): HttpOutput {
  if (routePath === 'sys' || routePath.startsWith('sys/')) {
    return errorOutput(404, 'unsupported path');
  }
  return errorOutput(404, `no handler for route "${routePath}". route entry not found.`);
}
