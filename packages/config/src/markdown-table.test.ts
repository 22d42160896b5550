import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import { markdownTable } from './markdown-table.js';

const formatted = async (markdown: string) =>
  (await format(markdown, { parser: 'markdown', printWidth: 100 })).trimEnd();

describe('markdownTable', () => {
  it('when cells differ in width, then the table is the one prettier writes', async () => {
    const table = markdownTable(
      ['key', 'default', 'description'],
      [
        ['`PORT`', '`3000`', 'Port the api listens on.'],
        ['`CACHE_LOCAL_MAX_BYTES`', '(unset)', 'a \\| b escaped, RSS 135 → 186 MiB, **bold**'],
        ['`X`', 'required', ''],
      ],
    );
    expect(table).toBe(await formatted(table));
  });

  it('when every cell is narrower than the rule, then the rule keeps three dashes', async () => {
    const table = markdownTable(['a', 'b'], [['1', '2']]);
    expect(table.split('\n')[1]).toBe('| --- | --- |');
    expect(table).toBe(await formatted(table));
  });
});
