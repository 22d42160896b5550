/** The one error the bootstrap throws: a Vault call or a database step that failed. */
export class BootstrapError extends Error {
  override readonly name = 'BootstrapError';

  constructor(
    message: string,
    /** HTTP status of the failed Vault call, when there was one. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
