import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.js';
import { fromHttpParserError, toProblem } from './problem.js';

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
