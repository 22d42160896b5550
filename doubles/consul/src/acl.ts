import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ConsulDoubleError } from './errors.js';

export const ANONYMOUS_ACCESSOR_ID = '00000000-0000-0000-0000-000000000002';

export type Caller =
  | { kind: 'disabled' }
  | { kind: 'management'; accessorId: string }
  | { kind: 'anonymous'; accessorId: string };

export type AclLevel = 'read' | 'write';
export type AclResource =
  'agent' | 'node' | 'service' | 'key' | 'operator' | 'acl' | 'mesh' | 'session';

/**
 * ACL enforcement with one management token and the anonymous token (default policy deny, no
 * rules). Tokens come from `X-Consul-Token` or `Authorization: Bearer`, as in Consul.
 */
export class AclGate {
  private readonly managementAccessorId = randomUUID();

  constructor(private readonly managementToken?: string) {}

  get enabled(): boolean {
    return this.managementToken !== undefined;
  }

  /** Resolves the caller; a token that matches nothing is 403 "ACL not found", as in Consul. */
  resolve(headers: IncomingHttpHeaders, query: URLSearchParams): Caller {
    if (this.managementToken === undefined) return { kind: 'disabled' };
    const token = tokenFrom(headers, query);
    if (token === undefined || token === '') {
      return { kind: 'anonymous', accessorId: ANONYMOUS_ACCESSOR_ID };
    }
    if (token === this.managementToken) {
      return { kind: 'management', accessorId: this.managementAccessorId };
    }
    throw new ConsulDoubleError(403, 'ACL not found');
  }

  /** Throws Consul's 403 unless the caller may act on the resource. */
  authorize(caller: Caller, resource: AclResource, level: AclLevel, name?: string): void {
    if (caller.kind !== 'anonymous') return;
    const on = name === undefined ? '' : ` on ${JSON.stringify(name)}`;
    throw new ConsulDoubleError(
      403,
      `Permission denied: token with AccessorID '${caller.accessorId}' lacks permission '${resource}:${level}'${on}`,
    );
  }

  /** List endpoints filter what the caller cannot read instead of refusing. */
  canRead(caller: Caller): boolean {
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
