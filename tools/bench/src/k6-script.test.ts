import { readFileSync } from 'node:fs';
import { parse } from 'acorn';
import { describe, expect, it } from 'vitest';

const source = readFileSync(new URL('../k6/flowstack.js', import.meta.url), 'utf8');

describe('the k6 script', () => {
  it('when parsed as an ES module, then it has no syntax error', () => {
    expect(() => parse(source, { ecmaVersion: 'latest', sourceType: 'module' })).not.toThrow();
  });

  it('when a syntax error is introduced, then the check fails (the check can fail)', () => {
    expect(() =>
      parse(source.replace('export function traffic(data) {', 'export function traffic(data) {{'), {
        ecmaVersion: 'latest',
        sourceType: 'module',
      }),
    ).toThrow();
  });

  it('when read, then it offers the same scenarios and the accepted = stored threshold as the loadtest', () => {
    const program = parse(source, { ecmaVersion: 'latest', sourceType: 'module' });
    const exported = program.body.flatMap((node) =>
      node.type === 'ExportNamedDeclaration' &&
      node.declaration !== null &&
      node.declaration !== undefined
        ? node.declaration.type === 'FunctionDeclaration'
          ? [node.declaration.id.name]
          : node.declaration.type === 'VariableDeclaration'
            ? node.declaration.declarations.flatMap((d) =>
                d.id.type === 'Identifier' ? [d.id.name] : [],
              )
            : []
        : [],
    );
    expect(exported).toEqual(expect.arrayContaining(['options', 'setup', 'traffic', 'completion']));
    expect(source).toContain("['read', 'write', 'mixed']");
    expect(source).toContain("orders_missing: ['count==0']");
    for (const metric of [
      "'http_req_duration{name:GET /v1/products/:id}'",
      "'http_req_duration{name:POST /v1/orders}'",
      'order_end_to_end_ms',
    ]) {
      expect(source).toMatch(new RegExp(`${metric.replace(/[{}()/:]/g, '\\$&')}: \\[\`p\\(99\\)<`));
    }
    expect(source).not.toMatch(/^import .*https:/m);
  });
});
