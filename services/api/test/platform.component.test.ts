import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/entry-points/http/openapi.js';
import { startApiUnderTest, type ApiUnderTest } from './support/api-under-test.js';

let api: ApiUnderTest;
beforeAll(async () => {
  api = await startApiUnderTest();
});
afterAll(async () => {
  await api.close();
});

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every route the Express app has, as "METHOD /openapi/{style}" strings. */
function appRoutes(): string[] {
  const stack = (api.app as unknown as { router: { stack: RouteLayer[] } }).router.stack;
  return stack.flatMap((layer) =>
    layer.route === undefined
      ? []
      : Object.keys(layer.route.methods)
          .filter((method) => method !== '_all')
          .map(
            (method) => `${method.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`,
          ),
  );
}

function documentedRoutes(): string[] {
  return Object.entries(openApiDocument.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('the OpenAPI document', () => {
  it('when compared with the app, then it documents every route and nothing else', () => {
    expect(appRoutes().sort()).toEqual(documentedRoutes().sort());
  });

  it('when served, then it is the same document', async () => {
    const response = await request(api.app).get('/openapi.json').expect(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(Object.keys(response.body.paths as object)).toEqual(Object.keys(openApiDocument.paths));
  });
});

describe('health and metrics', () => {
  it('when all dependencies answer, then /health/ready is 200 and lists them', async () => {
    const response = await request(api.app).get('/health/ready').expect(200);
    expect(Object.keys(response.body.checks as object).sort()).toEqual([
      'postgres',
      'rabbitmq',
      'redis',
    ]);
    await request(api.app).get('/health/live').expect(200);
  });

  it('when requests were served, then /metrics has them by route template and status', async () => {
    await request(api.app).get('/v1/products/no-such-product').expect(404);
    const metrics = await request(api.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /flowstack_http_request_duration_seconds_count\{[^}]*route="\/v1\/products\/:id"[^}]*status="404"/,
    );
  });

  it('when a route does not exist, then it is a 404 problem', async () => {
    const response = await request(api.app).delete('/v1/products').expect(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('request ids', () => {
  it('when the caller sends a sane X-Request-Id, then it is echoed; otherwise a new one is made', async () => {
    const echoed = await request(api.app).get('/health/live').set('x-request-id', 'abc-123');
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    const replaced = await request(api.app)
      .get('/health/live')
      .set('x-request-id', 'bad id with spaces');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
