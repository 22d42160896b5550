/**
 * The one error type of this package. Consul answers errors as text/plain, so the message is the
 * exact body the client receives.
 */
export class ConsulDoubleError extends Error {
  override readonly name = 'ConsulDoubleError';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): ConsulDoubleError =>
  new ConsulDoubleError(400, message);
export const notFound = (message: string): ConsulDoubleError => new ConsulDoubleError(404, message);
