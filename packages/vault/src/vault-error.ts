import { AppError } from '@flowstack/errors';

/** unreachable: no answer (network, timeout); denied: 403 or a bad token; invalid: 4xx; server: 5xx. */
export type VaultErrorKind = 'unreachable' | 'denied' | 'invalid' | 'server' | 'malformed';

/**
 * The one error of this package. It carries the operation, the Vault path and Vault's first
 * error string, never the request (node-vault's transport errors hold the token in their headers).
 */
export class VaultError extends AppError {
  readonly kind: VaultErrorKind;
  readonly vaultStatus: number | undefined;
  readonly path: string;

  constructor(
    message: string,
    options: { kind: VaultErrorKind; path: string; vaultStatus?: number | undefined },
  ) {
    super(message, {
      status: 503,
      code: options.kind === 'unreachable' ? 'vault-unreachable' : 'vault-error',
      isOperational: options.kind !== 'malformed',
      retryAfterSeconds: 1,
    });
    this.name = 'VaultError';
    this.kind = options.kind;
    this.vaultStatus = options.vaultStatus;
    this.path = options.path;
  }

  /** Vault said the lease or token is gone for good: renewing again is pointless. */
  get isFatalForRenewal(): boolean {
    if (this.kind === 'denied') return true;
    return (
      this.kind === 'invalid' &&
      /lease not found|lease expired|not renewable|invalid lease|permission denied/i.test(
        this.message,
      )
    );
  }
}

export function isVaultError(value: unknown): value is VaultError {
  return value instanceof VaultError;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** Turns whatever node-vault or axios threw into a VaultError that is safe to log. */
export function toVaultError(error: unknown, operation: string, path: string): VaultError {
  if (error instanceof VaultError) return error;
  const record = (typeof error === 'object' && error !== null ? error : {}) as {
    response?: { statusCode?: unknown };
    code?: unknown;
    message?: unknown;
  };
  const status =
    typeof record.response?.statusCode === 'number' ? record.response.statusCode : undefined;
  const vaultMessage = typeof record.message === 'string' ? oneLine(record.message) : 'unknown';
  if (status === undefined) {
    const code = typeof record.code === 'string' ? record.code : undefined;
    const unreachable =
      code === undefined || NETWORK_CODES.has(code) || /timeout/i.test(vaultMessage);
    return new VaultError(`Vault ${operation} ${path} failed: ${code ?? vaultMessage}`, {
      kind: unreachable ? 'unreachable' : 'server',
      path,
    });
  }
  const kind: VaultErrorKind =
    status === 403 || /permission denied|missing client token/i.test(vaultMessage)
      ? 'denied'
      : status >= 500
        ? status === 503 || status === 502
          ? 'unreachable'
          : 'server'
        : 'invalid';
  return new VaultError(`Vault ${operation} ${path} answered ${status}: ${vaultMessage}`, {
    kind,
    path,
    vaultStatus: status,
  });
}

function oneLine(message: string): string {
  return message
    .replace(/\s+/g, ' ')
    .replace(/^\d+ errors? occurred: \* /, '')
    .trim()
    .slice(0, 300);
}
