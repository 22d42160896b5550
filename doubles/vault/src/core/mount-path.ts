/** "secret", "/secret/", "secret//" -> "secret/" */
export function normalizeMountPath(path: string): string {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  return `${trimmed}/`;
}
