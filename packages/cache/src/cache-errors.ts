import { AppError } from '@flowstack/errors';

/** Redis could not answer (down, slow, refused the command): retry later (503). */
export class CacheUnavailableError extends AppError {
  constructor(operation: string, cause: unknown) {
    super('The cache is unavailable.', {
      status: 503,
      code: 'cache-unavailable',
      isOperational: true,
      retryAfterSeconds: 1,
      extensions: {},
      cause,
    });
    this.name = 'CacheUnavailableError';
    this.operation = operation;
  }

  /** The cache operation that failed: get, set, set-if-absent, delete, ping. */
  readonly operation: string;
}
