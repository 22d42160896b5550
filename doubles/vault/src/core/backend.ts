import type { StoredToken } from '../auth/token-store.js';
import type { EngineResponse, Operation } from './types.js';

/** The `auth` block of a login or token-create response. */
export interface AuthBlock {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  identity_policies: string[] | null;
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: 'service';
  orphan: boolean;
  mfa_requirement: null;
  num_uses: number;
}

export interface BackendRequest {
  requestId: string;
  operation: Operation;
  /** The full path after /v1/: "auth/jwt/login". */
  fullPath: string;
  /** The path inside the mount or route family: "login". */
  path: string;
  body: Record<string, unknown>;
  query: URLSearchParams;
  /** The caller's token; undefined on unauthenticated endpoints called without one. */
  token: StoredToken | undefined;
}

export interface BackendResponse extends EngineResponse {
  auth?: AuthBlock;
  /** sys/ responses repeat their data at the top level of the envelope for old clients. */
  topLevel?: Record<string, unknown>;
}

/**
 * Anything the router can send a request to: a built-in sys route family, the token store, an
 * auth method mount, or an adapter around a secret engine mount.
 */
export interface Backend {
  /**
   * Existence check so POST/PUT can be authorized as create or update. Paths with no notion of
   * existence answer true: Vault treats a write there as `update`.
   */
  exists(path: string): Promise<boolean>;
  handle(req: BackendRequest): Promise<BackendResponse>;
  /** Paths callable without a token (login, sys/health, pki/ca/pem). */
  isUnauthenticated(path: string, operation: Operation): boolean;
  /** Paths that need the `sudo` capability besides the operation's own. */
  needsSudo(path: string, operation: Operation): boolean;
}

/** A backend; by default no unauthenticated or sudo paths and every write is an `update`. */
export function backend(
  handle: (req: BackendRequest) => Promise<BackendResponse>,
  extra: Partial<Omit<Backend, 'handle'>> = {},
): Backend {
  return {
    exists: extra.exists ?? (() => Promise.resolve(true)),
    handle,
    isUnauthenticated: extra.isUnauthenticated ?? (() => false),
    needsSudo: extra.needsSudo ?? (() => false),
  };
}
