/** Raised when a file cannot be read as the thing it should be (HCL syntax, job shape, policy). */
export class JobSpecError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = 'JobSpecError';
  }
}
