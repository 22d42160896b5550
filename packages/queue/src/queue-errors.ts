import { AppError } from '@flowstack/errors';

export const QUEUE_UNAVAILABLE = 'queue-unavailable';

/** Nothing was accepted; the caller answers 503 and the client retries. */
export function queueUnavailable(
  message: string,
  cause?: unknown,
  retryAfterSeconds = 2,
): AppError {
  return new AppError(message, {
    status: 503,
    code: QUEUE_UNAVAILABLE,
    isOperational: true,
    retryAfterSeconds,
    cause,
  });
}

/** The broker refused our topology or the spec is invalid: a deployment error, not a transient one. */
export function queueMisconfigured(message: string, cause?: unknown): AppError {
  return new AppError(message, {
    status: 500,
    code: 'queue-misconfigured',
    isOperational: false,
    cause,
  });
}

/** Error text safe for logs and headers: name and message only, never properties or stacks. */
export function describeError(error: unknown, maxLength = 500): string {
  const text =
    error instanceof Error
      ? `${error.name}: ${error.message}`
      : `non-error thrown: ${typeof error}`;
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
