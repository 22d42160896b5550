import { AppError } from '@flowstack/errors';

/** The error of this package: Consul did not answer, refused, or answered something unexpected. */
export function consulError(message: string, cause?: unknown): AppError {
  return new AppError(message, {
    status: 503,
    code: 'consul-unavailable',
    isOperational: true,
    cause,
  });
}

/** The HTTP status of a refused request, when the npm client (papi) attached one. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const status = error.statusCode;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
