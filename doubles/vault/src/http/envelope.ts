import type { BackendResponse } from '../core/backend.js';

export interface HttpOutput {
  status: number;
  contentType: string | undefined;
  body: string;
}

/**
 * Vault's sentinel errors (sdk/logical errors.go) reach the client through the request handler's
 * multierror, so their text is wrapped ("1 error occurred:\n\t* unsupported path\n\n", as in
 * hashicorp/vault#20614); errors a backend answers with logical.ErrorResponse stay bare.
 */
const SENTINELS = new Set(['permission denied', 'unsupported path', 'unsupported operation']);

export function errorOutput(status: number, message: string): HttpOutput {
  const text = SENTINELS.has(message) ? `1 error occurred:\n\t* ${message}\n\n` : message;
  return {
    status,
    contentType: 'application/json',
    body: JSON.stringify({ errors: text === '' ? [] : [text] }),
  };
}

export function permissionDenied(): HttpOutput {
  return errorOutput(403, 'permission denied');
}

/** The standard Vault response envelope, or 204 when there is nothing to say. */
export function renderResponse(
  requestId: string,
  res: BackendResponse,
  mountType: string,
  isList: boolean,
): HttpOutput {
  if (res.raw) return { status: res.status, contentType: res.raw.contentType, body: res.raw.body };
  const warned = res.warnings !== undefined && res.warnings.length > 0;
  if (res.status >= 400 && res.data === undefined && !warned) return errorOutput(res.status, '');
  if (isList && res.status === 200) {
    const keys = (res.data as { keys?: unknown } | undefined)?.keys;
    if (!Array.isArray(keys) || keys.length === 0) return errorOutput(404, '');
  }
  const warnings = res.warnings && res.warnings.length > 0 ? res.warnings : null;
  const empty = res.data === undefined && !res.auth && !warnings && !res.lease && !res.topLevel;
  if (res.status === 204 || (res.status === 200 && empty)) {
    return { status: 204, contentType: undefined, body: '' };
  }
  const envelope = {
    ...(res.topLevel ?? {}),
    request_id: requestId,
    lease_id: res.lease?.leaseId ?? '',
    renewable: res.lease?.renewable ?? false,
    lease_duration: res.lease?.leaseDurationSeconds ?? res.advisoryLeaseSeconds ?? 0,
    data: res.data ?? null,
    wrap_info: null,
    warnings,
    auth: res.auth ?? null,
    // logical.RespondWithStatusCode bodies (an error status with warnings) carry no mount type.
    mount_type: res.status >= 400 && res.data === undefined ? '' : mountType,
  };
  return { status: res.status, contentType: 'application/json', body: JSON.stringify(envelope) };
}
