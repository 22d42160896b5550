import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

/** Runs Redocly's linter (recommended rules, see redocly.yaml) over a document; returns its report. */
function redoclyLint(document: unknown) {
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
  const dir = mkdtempSync(join(tmpdir(), 'flowstack-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const config = fileURLToPath(new URL('../../../redocly.yaml', import.meta.url));
    const result = spawnSync(
      process.execPath,
      [cli, 'lint', file, '--config', config, '--format=json'],
      {
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        timeout: 60_000,
      },
    );
    return {
      status: result.status,
      report: JSON.parse(result.stdout) as {
        totals: { errors: number; warnings: number };
        problems: { ruleId: string; message: string }[];
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the OpenAPI document as a spec', () => {
  it('when linted with Redocly recommended rules, then it has no error and no warning', () => {
    const { status, report } = redoclyLint(openApiDocument);
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(status).toBe(0);
  });

  it('when a document breaks the rules, then the lint fails (so the check can fail)', () => {
    const { status, report } = redoclyLint({ ...openApiDocument, servers: [] });
    expect(report.totals.errors).toBeGreaterThan(0);
    expect(status).not.toBe(0);
  });

  it("when the request schemas are documented, then they carry the validators' limits and patterns", () => {
    const order = openApiDocument.components.schemas.PlaceOrderRequest as {
      properties: { items: { items: { properties: { productId: object } } } };
    };
    expect(order.properties.items.items.properties.productId).toEqual({
      type: 'string',
      minLength: 1,
      maxLength: 64,
      pattern: '^[a-z0-9][a-z0-9-]*$',
    });
    const key = openApiDocument.paths['/v1/orders'].post.parameters[0];
    expect(key.schema).toMatchObject({ minLength: 8, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' });
  });
});
