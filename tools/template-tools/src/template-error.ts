/** The one error of this package: a refused name or a repository that does not look as expected. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}
