import { describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi.js';
import { isUnlimitedPath } from './rate-limit.js';

type Operation = { responses: Record<string, unknown> };

const operations = Object.entries(openApiDocument.paths).flatMap(([path, methods]) =>
  Object.entries(methods as Record<string, Operation>).map(([method, operation]) => ({
    route: `${method.toUpperCase()} ${path}`,
    limited: !isUnlimitedPath(path),
    responses: Object.keys(operation.responses),
  })),
);

describe('the OpenAPI document and the rate limit', () => {
  it('when a route is behind the rate limit, then it documents 429, and health and metrics do not', () => {
    const limited = operations.filter((operation) => operation.limited);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.filter((op) => !op.responses.includes('429')).map((op) => op.route)).toEqual([]);
    const unlimited = operations.filter((operation) => !operation.limited);
    expect(unlimited.map((op) => op.route).sort()).toEqual([
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
    ]);
    expect(unlimited.filter((op) => op.responses.includes('429'))).toEqual([]);
  });

  it('when a client reads the 429 answer, then it is problem+json with a Retry-After header', () => {
    const answer = openApiDocument.components.responses.TooManyRequests;
    expect(Object.keys(answer.content)).toEqual(['application/problem+json']);
    expect(answer.headers['Retry-After'].schema).toMatchObject({ type: 'integer', minimum: 1 });
  });
});
