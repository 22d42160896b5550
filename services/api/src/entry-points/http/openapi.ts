import type { RequestHandler } from 'express';
import swaggerUi from 'swagger-ui-express';
import { z } from 'zod';
import {
  idempotencyKeySchema,
  orderIdSchema,
  placeOrderRequestSchema,
  productIdSchema,
} from '@flowstack/domain';
import { pageQuerySchema } from './product-routes.js';

/**
 * The API's contract. What a client sends is described by the very zod schemas that validate it
 * (zod 4's JSON Schema output, the dialect OpenAPI 3.1 uses), so the two cannot drift; the paths
 * are written here, and `platform.component.test.ts` fails when a route and this document disagree.
 */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  // OpenAPI 3.1 fixes the dialect itself; a `$schema` inside a component is noise.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input' });
  return rest;
}

const pageQuery = jsonSchema(pageQuerySchema) as { properties: Record<string, object> };

const problem = { $ref: '#/components/responses/Problem' };
/** Every route except health and metrics is behind the per-client rate limit. */
const tooManyRequests = { $ref: '#/components/responses/TooManyRequests' };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'flowstack API',
    version: '1.0.0',
    description:
      'Catalog reads (Redis cache-aside over PostgreSQL) and asynchronous orders (RabbitMQ -> worker -> PostgreSQL). Errors are RFC 9457 problem details.',
    license: { name: 'MPL-2.0', identifier: 'MPL-2.0' },
  },
  // Relative: the document is served by the api it describes, whatever its address.
  servers: [{ url: '/', description: 'This api' }],
  // No authentication at the api: it is reached through Traefik, and Consul intentions decide who may call it.
  security: [],
  paths: {
    '/v1/products': {
      get: {
        operationId: 'listProducts',
        summary: 'List products, ordered by id (keyset pagination).',
        parameters: Object.entries(pageQuery.properties).map(([name, schema]) => ({
          name,
          in: 'query',
          ...(name === 'after' ? { description: 'The nextAfter of the previous page.' } : {}),
          schema,
        })),
        responses: {
          '200': {
            description: 'A page of products.',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['items'],
                  properties: {
                    items: { type: 'array', items: { $ref: '#/components/schemas/Product' } },
                    nextAfter: { type: 'string' },
                  },
                },
              },
            },
          },
          '400': problem,
          '429': tooManyRequests,
        },
      },
    },
    '/v1/products/{id}': {
      get: {
        operationId: 'getProduct',
        summary: 'One product by id.',
        parameters: [
          { name: 'id', in: 'path', required: true, schema: jsonSchema(productIdSchema) },
        ],
        responses: {
          '200': {
            description: 'The product.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Product' } } },
          },
          '404': problem,
          '429': tooManyRequests,
        },
      },
    },
    '/v1/orders': {
      post: {
        operationId: 'placeOrder',
        summary: 'Accept an order. 202 only after the broker confirmed the order.created message.',
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: true,
            description:
              'Unique per order (a UUID is recommended). A retry with the same key and body gets the same order.',
            schema: jsonSchema(idempotencyKeySchema),
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/PlaceOrderRequest' } },
          },
        },
        responses: {
          '202': {
            description: 'Accepted; the worker stores it shortly. Poll the Location.',
            headers: { Location: { schema: { type: 'string' } } },
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['id', 'status'],
                  properties: {
                    id: { type: 'string', format: 'uuid' },
                    status: { const: 'accepted' },
                    links: { type: 'object' },
                  },
                },
              },
            },
          },
          '400': problem,
          '413': problem,
          '415': problem,
          '422': problem,
          '429': tooManyRequests,
          '503': problem,
        },
      },
    },
    '/v1/orders/{id}': {
      get: {
        operationId: 'getOrder',
        summary: 'An order: pending until the worker stored it, then stored with its total.',
        parameters: [{ name: 'id', in: 'path', required: true, schema: jsonSchema(orderIdSchema) }],
        responses: {
          '200': {
            description: 'The order, pending or stored.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } },
          },
          '404': problem,
          '429': tooManyRequests,
        },
      },
    },
    '/health/live': {
      get: {
        operationId: 'live',
        summary: 'Liveness: the process runs (no dependency is checked).',
        responses: { '200': { description: 'The process is running.' } },
      },
    },
    '/health/ready': {
      get: {
        operationId: 'ready',
        summary: 'Readiness: PostgreSQL and RabbitMQ answer (Redis is reported, not required).',
        responses: {
          '200': { description: 'Ready for traffic.' },
          '503': { description: 'A dependency is down, or draining.' },
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics.',
        responses: { '200': { description: 'Prometheus text format.' } },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This OpenAPI document.',
        responses: { '200': { description: 'This document.' }, '429': tooManyRequests },
      },
    },
  },
  components: {
    responses: {
      Problem: {
        description: 'RFC 9457 problem details.',
        content: {
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        },
      },
      TooManyRequests: {
        description:
          'The client (by address, IPv6 by /56) made more than RATE_LIMIT_BURST requests in a window of RATE_LIMIT_BURST / RATE_LIMIT_REQUESTS_PER_SECOND seconds; retry after the given seconds.',
        headers: {
          'Retry-After': {
            description: 'Seconds until the window resets.',
            schema: { type: 'integer', minimum: 1 },
          },
        },
        content: {
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        },
      },
    },
    schemas: {
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          instance: { type: 'string' },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              properties: { path: { type: 'string' }, message: { type: 'string' } },
            },
          },
        },
      },
      Product: {
        type: 'object',
        required: ['id', 'name', 'description', 'priceCents', 'currency'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          description: { type: 'string' },
          priceCents: { type: 'integer' },
          currency: { type: 'string' },
        },
      },
      PlaceOrderRequest: jsonSchema(placeOrderRequestSchema),
      Order: {
        type: 'object',
        required: ['id', 'status', 'acceptedAt'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          status: { enum: ['pending', 'stored'] },
          acceptedAt: { type: 'string', format: 'date-time' },
          storedAt: { type: 'string', format: 'date-time' },
          totalCents: { type: 'integer' },
          currency: { type: 'string' },
          customerEmail: {
            type: 'string',
            description: 'Masked (a***@example.com); the address itself is stored sealed.',
          },
          items: { type: 'array', items: { type: 'object' } },
        },
      },
    },
  },
} as const;

/**
 * Interactive docs (Swagger UI, served from the installed swagger-ui-dist: no CDN, so they work
 * offline and under helmet's `script-src 'self'`). The page loads the live document from
 * `specUrl` and sends "Try it out" requests to this same api.
 */
export function apiDocs(specUrl: string): RequestHandler[] {
  const options = { customSiteTitle: 'flowstack API', swaggerOptions: { url: specUrl } };
  // serveFiles, not serve: it keeps the page's init script per app instead of module-global.
  return [...swaggerUi.serveFiles(undefined, options), swaggerUi.setup(undefined, options)];
}
