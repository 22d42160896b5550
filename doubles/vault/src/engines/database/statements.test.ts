import { describe, expect, it } from 'vitest';
import { formatExpiration } from './credentials.js';
import { parseStatements, renderTemplate, splitSql } from './statements.js';

describe('statements', () => {
  it('when statements come as base64, then they are decoded', () => {
    const sql = `CREATE ROLE "{{name}}"; GRANT x TO "{{name}}";`;
    expect(parseStatements(Buffer.from(sql).toString('base64'), 'f')).toEqual([sql]);
  });

  it('when a statement is plain SQL, then it is kept as given', () => {
    expect(parseStatements('SELECT 1', 'f')).toEqual(['SELECT 1']);
    expect(parseStatements(['a', 'b'], 'f')).toEqual(['a', 'b']);
  });

  it('when SQL entries hold several statements or a JSON list, then they are split', () => {
    expect(splitSql(['A; B;', '["C", "D;E"]', ' '])).toEqual(['A', 'B', 'C', 'D', 'E']);
  });

  it('when a template names unknown keys, then they are left alone', () => {
    expect(renderTemplate('{{name}}/{{ password }}/{{other}}', { name: 'n', password: 'p' })).toBe(
      'n/p/{{other}}',
    );
  });

  it('when an expiration is formatted, then it follows Go layout 2006-01-02 15:04:05-0700', () => {
    expect(formatExpiration(new Date(Date.UTC(2030, 0, 2, 3, 4, 5)))).toBe(
      '2030-01-02 03:04:05+0000',
    );
  });
});
