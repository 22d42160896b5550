import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AclStore } from './acl-auth/acl-store.js';
import type { Authorizer } from './acl-auth/acl-rules.js';
import type { ChangeIndex } from './change-index.js';
import { ConsulDoubleError } from './errors.js';

export const ANONYMOUS_ACCESSOR_ID = '00000000-0000-0000-0000-000000000002';

export type Caller =
  | { kind: 'disabled' }
  | { kind: 'management'; accessorId: string }
  | { kind: 'anonymous'; accessorId: string }
  | { kind: 'token'; accessorId: string; authorizer: Authorizer };

export type AclLevel = 'read' | 'write';
export type AclResource =
  'agent' | 'node' | 'service' | 'key' | 'operator' | 'acl' | 'mesh' | 'session';

/**
 * ACL enforcement: the management token, the anonymous token (default policy deny, no rules)
 * and the tokens of the ACL store (created by the API or by login), each checked against the
 * rules its policies, roles and service identities carry. Tokens come from `X-Consul-Token`,
 * `Authorization: Bearer` or `?token=`, as in Consul.
 */
export class AclGate {
  private readonly managementAccessorId = randomUUID();
  /** Policies, roles, auth methods, binding rules and tokens; undefined with ACLs off. */
  readonly store: AclStore | undefined;

  constructor(
    private readonly managementToken?: string,
    changes?: ChangeIndex,
  ) {
    if (managementToken !== undefined && changes) this.store = new AclStore(changes);
  }

  /** The secret the request carries, if any. */
  tokenOf(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
    const token = tokenFrom(headers, query);
    return token === '' ? undefined : token;
  }

  get enabled(): boolean {
    return this.managementToken !== undefined;
  }

  /** Resolves the caller; a token that matches nothing is 403 "ACL not found", as in Consul. */
  resolve(headers: IncomingHttpHeaders, query: URLSearchParams): Caller {
    return this.callerFor(tokenFrom(headers, query));
  }

  /**
   * The agent's own tokens (`PUT /v1/agent/token/<kind>`): `dns` answers DNS queries, falling
   * back to `default`, then anonymous (agent/dns.go `coalesceDNSToken`).
   */
  readonly agentTokens = new Map<string, string>();

  /** Who DNS answers as; a token that no longer exists counts as anonymous. */
  dnsCaller(): Caller {
    const secret = this.agentTokens.get('dns') || this.agentTokens.get('default');
    try {
      return this.callerFor(secret);
    } catch {
      return { kind: 'anonymous', accessorId: ANONYMOUS_ACCESSOR_ID };
    }
  }

  private callerFor(token: string | undefined): Caller {
    if (this.managementToken === undefined) return { kind: 'disabled' };
    if (token === undefined || token === '') {
      return { kind: 'anonymous', accessorId: ANONYMOUS_ACCESSOR_ID };
    }
    if (token === this.managementToken) {
      return { kind: 'management', accessorId: this.managementAccessorId };
    }
    const stored = this.store?.tokenBySecret(token);
    if (stored) {
      const authorizer = this.store!.authorizerFor(stored);
      return authorizer === 'management'
        ? { kind: 'management', accessorId: stored.AccessorID }
        : { kind: 'token', accessorId: stored.AccessorID, authorizer };
    }
    throw new ConsulDoubleError(403, 'ACL not found');
  }

  /** Throws Consul's 403 unless the caller may act on the resource. */
  authorize(caller: Caller, resource: AclResource, level: AclLevel, name?: string): void {
    if (caller.kind === 'disabled' || caller.kind === 'management') return;
    if (caller.kind === 'token' && caller.authorizer.allows(resource, level, name ?? '')) return;
    const on = name === undefined ? '' : ` on ${JSON.stringify(name)}`;
    throw new ConsulDoubleError(
      403,
      `Permission denied: token with AccessorID '${caller.accessorId}' lacks permission '${resource}:${level}'${on}`,
    );
  }

  /**
   * List endpoints filter what the caller cannot read instead of refusing. Given a resource and
   * name, a store token must be allowed to read it; without one, any store token may list.
   */
  canRead(caller: Caller, resource?: AclResource, name?: string): boolean {
    if (caller.kind === 'token') {
      return resource === undefined || caller.authorizer.allows(resource, 'read', name ?? '');
    }
    return caller.kind !== 'anonymous';
  }
}

function tokenFrom(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const header = headers['x-consul-token'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1]) return match[1];
  }
  return query.get('token') ?? undefined;
}
