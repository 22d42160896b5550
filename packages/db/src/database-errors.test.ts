import { AppError } from '@flowstack/errors';
import { describe, expect, it } from 'vitest';
import {
  DatabaseUnavailableError,
  isConnectionError,
  loggableError,
  isUniqueViolation,
  toDatabaseError,
} from './database-errors.js';

function withCode(code: string, message = 'failed'): Error {
  return Object.assign(new Error(message), { code });
}

describe('toDatabaseError', () => {
  it.each([
    ['ECONNREFUSED'],
    ['ETIMEDOUT'],
    ['ENOTFOUND'],
    ['08006'],
    ['08001'],
    ['57P01'],
    ['57P02'],
    ['57P03'],
    ['53300'],
    ['28P01'],
    ['28000'],
  ])('when the code is %s, then it becomes a 503 database-unavailable AppError', (code) => {
    const cause = withCode(code);
    const mapped = toDatabaseError(cause);
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped).toMatchObject({
      status: 503,
      code: 'database-unavailable',
      message: 'The database is unavailable.',
      isOperational: true,
      retryAfterSeconds: 1,
      cause,
    });
  });

  it.each([
    ['timeout exceeded when trying to connect'],
    ['Connection terminated unexpectedly'],
    ['Connection terminated due to connection timeout'],
  ])('when pg says "%s", then it becomes a 503', (message) => {
    expect(toDatabaseError(new Error(message))).toBeInstanceOf(DatabaseUnavailableError);
  });

  it('when every address of a happy-eyeballs connect was refused, then it becomes a 503', () => {
    const error = new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]);
    expect(isConnectionError(error)).toBe(true);
  });

  it.each([['23505'], ['42601'], ['57014'], ['40001']])(
    'when the code is %s, then the error passes through unchanged',
    (code) => {
      const error = withCode(code, 'Connection terminated but with a SQL code');
      expect(toDatabaseError(error)).toBe(error);
    },
  );

  it('when the error is already mapped or is not an error at all, then it is returned as is', () => {
    const mapped = new DatabaseUnavailableError(withCode('ECONNREFUSED'));
    expect(toDatabaseError(mapped)).toBe(mapped);
    expect(toDatabaseError('text')).toBe('text');
    expect(toDatabaseError(null)).toBe(null);
    expect(isUniqueViolation(null)).toBe(false);
  });
});

describe('loggableError', () => {
  it('when pg attaches its client to an error, then only the type, message and code are kept', () => {
    const error = Object.assign(new Error('Connection terminated unexpectedly'), {
      code: '57P01',
      client: { connectionParameters: { user: 'v-api', password: 'leaked-secret-pw' } },
    });
    const logged = loggableError(error);
    expect(logged).toEqual({
      type: 'Error',
      message: 'Connection terminated unexpectedly',
      code: '57P01',
    });
    expect(JSON.stringify(logged)).not.toContain('leaked-secret-pw');
  });
});
