import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.js';
import { fromHttpParserError, PROBLEM_TYPE_BASE, problemType, toProblem } from './problem.js';

describe('toProblem', () => {
  it('when given an operational AppError, then shows its message, code and extensions', () => {
    const problem = toProblem(
      AppError.validation('Invalid order.', [{ path: 'items', message: 'Required' }]),
      '/v1/orders',
    );
    expect(problem).toEqual({
      type: 'https://flowstack.dev/problems/validation',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'Invalid order.',
      instance: '/v1/orders',
      errors: [{ path: 'items', message: 'Required' }],
    });
  });

  it('when given an unknown error, then hides its message behind a bare 500', () => {
    const problem = toProblem(new Error('password authentication failed for user "x"'));
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toContain('password');
    expect(problem.detail).toBeUndefined();
  });

  it('when given a non-operational 500 AppError, then hides its message', () => {
    const problem = toProblem(new AppError('db host 10.0.0.3 refused', { isOperational: false }));
    expect(problem.detail).toBeUndefined();
    expect(problem.type).toMatch(/internal$/);
  });

  it('when a dependency is unavailable, then the problem says so with 503', () => {
    const problem = toProblem(AppError.unavailable('The order queue is unavailable.', 2));
    expect(problem.status).toBe(503);
    expect(problem.detail).toBe('The order queue is unavailable.');
  });
});

describe('fromHttpParserError', () => {
  it('when the body parser fails on JSON, then it becomes a 400 malformed-json error', () => {
    const error = fromHttpParserError({ status: 400, type: 'entity.parse.failed' });
    expect(error?.status).toBe(400);
    expect(error?.code).toBe('malformed-json');
  });

  it('when the body is too large, then it becomes a 413', () => {
    expect(fromHttpParserError({ status: 413, type: 'entity.too.large' })?.status).toBe(413);
  });

  it('when the error is not a client error, then it is not mapped', () => {
    expect(fromHttpParserError(new Error('boom'))).toBeUndefined();
    expect(fromHttpParserError({ status: 500, type: 'x' })).toBeUndefined();
  });
});

describe('problem type URIs', () => {
  it('when rendered, then every type sits under the one base a fork sets', () => {
    expect(problemType('rate-limited')).toBe(`${PROBLEM_TYPE_BASE}rate-limited`);
    expect(
      toProblem(AppError.notFound('No such product.')).type.startsWith(PROBLEM_TYPE_BASE),
    ).toBe(true);
    expect(toProblem(new Error('boom')).type).toBe(`${PROBLEM_TYPE_BASE}internal`);
  });

  it('when any other source file spells the base, then this fails (the base lives in one place)', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const offenders: string[] = [];
    for (const top of ['services', 'packages', 'doubles', 'tools', 'infra', 'test']) {
      // `fs.glob` would do, but it is Node 22+; the code keeps to what Node 20 runs too.
      const files = await readdir(join(root, top), { recursive: true });
      for (const file of files) {
        const path = join(top, file);
        if (!path.endsWith('.ts') || /(^|\/)(node_modules|dist)\//.test(path)) continue;
        if (path.startsWith(join('packages', 'errors'))) continue;
        if ((await readFile(join(root, path), 'utf8')).includes(PROBLEM_TYPE_BASE)) {
          offenders.push(path);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
