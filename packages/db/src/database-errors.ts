import { AppError } from '@flowstack/errors';

const UNAVAILABLE_MESSAGE = 'The database is unavailable.';

/** PostgreSQL cannot be reached or will not take connections now: retry later (503). */
export class DatabaseUnavailableError extends AppError {
  constructor(cause: unknown) {
    super(UNAVAILABLE_MESSAGE, {
      status: 503,
      code: 'database-unavailable',
      isOperational: true,
      retryAfterSeconds: 1,
      cause,
    });
    this.name = 'DatabaseUnavailableError';
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** SQLSTATEs meaning "the server is going away or refuses connections", not "your SQL is wrong". */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** Errors node-postgres raises without a code when the socket or the pool gives up. */
const CONNECTION_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
];

/** The SQLSTATE or Node system error code of an error, when it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

export function isConnectionError(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  const code = errorCode(error);
  if (code !== undefined) {
    // Class 28 (authentication refused) is a dependency failure too: with leased credentials it
    // is what an expired or revoked login looks like until the next rotation lands.
    if (
      NETWORK_CODES.has(code) ||
      UNAVAILABLE_SQLSTATES.has(code) ||
      code.startsWith('08') ||
      code.startsWith('28')
    ) {
      return true;
    }
  }
  // Node's happy-eyeballs connect reports every failed address inside one AggregateError.
  if (error instanceof AggregateError && error.errors.some((inner) => isConnectionError(inner))) {
    return true;
  }
  if (error instanceof Error && code === undefined) {
    if (CONNECTION_MESSAGES.some((message) => error.message.startsWith(message))) return true;
  }
  return false;
}

/** Connection-class failures become a 503 AppError; anything else is returned unchanged. */
export function toDatabaseError(error: unknown): unknown {
  if (error instanceof DatabaseUnavailableError) return error;
  return isConnectionError(error) ? new DatabaseUnavailableError(error) : error;
}

/** A unique constraint refused the row (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return errorCode(error) === '23505';
}

/**
 * What a log line may say about a pg error: its class, message and SQLSTATE. pg attaches the
 * client (with its connection parameters, password included) to some errors, so the error object
 * itself never goes to the logger.
 */
export function loggableError(error: unknown): { type: string; message: string; code?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
  };
}
