export interface AppErrorOptions {
  /** HTTP status the error maps to at an HTTP entry point. */
  status?: number;
  /** Stable, machine-readable code; becomes the problem `type` suffix. */
  code?: string;
  /** Operational errors are expected (bad input, a dependency down); others are bugs. */
  isOperational?: boolean;
  /** Extra problem+json members that are safe to show a client. */
  extensions?: Record<string, unknown>;
  /** Seconds a client should wait before retrying (sent as Retry-After). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** The one error type of flowstack. Every entry point renders it through the same handler. */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly isOperational: boolean;
  readonly extensions: Record<string, unknown>;
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = options.status ?? 500;
    this.code = options.code ?? (this.status >= 500 ? 'internal' : 'bad-request');
    this.isOperational = options.isOperational ?? this.status < 500;
    this.extensions = options.extensions ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  static badRequest(message: string, extensions?: Record<string, unknown>): AppError {
    return new AppError(message, { status: 400, code: 'bad-request', extensions });
  }

  static validation(message: string, errors: ValidationIssue[]): AppError {
    return new AppError(message, { status: 422, code: 'validation', extensions: { errors } });
  }

  /** A command line used wrongly: `runCli` prints the message and the usage and exits 2. */
  static usage(message: string): AppError {
    return new AppError(message, { status: 400, code: 'usage', isOperational: true });
  }

  static notFound(message: string): AppError {
    return new AppError(message, { status: 404, code: 'not-found' });
  }

  static conflict(message: string): AppError {
    return new AppError(message, { status: 409, code: 'conflict' });
  }

  /** A dependency is down: the request can be retried later; nothing was accepted. */
  static unavailable(message: string, retryAfterSeconds = 1, cause?: unknown): AppError {
    return new AppError(message, {
      status: 503,
      code: 'unavailable',
      isOperational: true,
      retryAfterSeconds,
      cause,
    });
  }
}

export interface ValidationIssue {
  /** JSON pointer-like path of the offending member, e.g. "items/0/quantity". */
  path: string;
  message: string;
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
