/** Cells are counted in code points: the tables hold ASCII and a few arrows, all one column wide. */
const widthOf = (text: string) => [...text].length;
const padded = (cell: string, width: number) => cell + ' '.repeat(width - widthOf(cell));

/**
 * A Markdown table laid out the way prettier lays one out (every column padded to its widest cell,
 * the rule row as wide), so a generated table in a formatted document passes `prettier --check`
 * and a README test can compare it byte for byte. Cells must already be escaped (`\|`).
 */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((title, column) =>
    Math.max(3, widthOf(title), ...rows.map((row) => widthOf(row[column] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    `| ${widths.map((width, column) => padded(cells[column] ?? '', width)).join(' | ')} |`;
  const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
