import { readFile } from 'node:fs/promises';
import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import { renderResultsSection } from './reliability-doc.js';
import { RESULTS_FILE, type ResultsFile } from './results.js';

describe('the drill results section of docs/reliability.md', () => {
  it('when rendered from the last results, then prettier leaves it as it is (the formatting check passes after a drill run)', async () => {
    const results = JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as ResultsFile;
    expect(results.drills.length).toBeGreaterThan(0);
    const section = renderResultsSection(results);
    expect(section).toContain('| Drill ');
    // The section ends in the blank line before the end marker; prettier ends a document in one newline.
    expect(await format(section, { parser: 'markdown', printWidth: 100 })).toBe(
      `${section.trimEnd()}\n`,
    );
  });
});
