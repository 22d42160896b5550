import type { Backend } from '../core/backend.js';
import type { Clock } from '../core/types.js';
import type { IdentityGroups } from './identity-groups.js';
import type { IdentityStore } from './identity-store.js';
import type { TokenStore } from './token-store.js';

export interface AuthMethodContext {
  /** "auth/jwt/" */
  mountPath: string;
  accessor: string;
  clock: Clock;
  tokens: TokenStore;
  identity: IdentityStore;
  /** External identity groups (group aliases from OIDC's groups claim). */
  groups: IdentityGroups;
  /** What `snapshot()` returned before a restart, when a state file is used. */
  saved: unknown;
}

export interface AuthMethod extends Backend {
  snapshot(): unknown;
}

export type AuthMethodFactory = (ctx: AuthMethodContext) => AuthMethod;
