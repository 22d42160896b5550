/** The API's contract. `openapi.test.ts` fails when a route and this document disagree. */
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
  },
  paths: {
    '/v1/products': {
      get: {
        operationId: 'listProducts',
        summary: 'List products, ordered by id (keyset pagination).',
        parameters: [
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
          {
            name: 'after',
            in: 'query',
            description: 'The nextAfter of the previous page.',
            schema: { type: 'string', maxLength: 64 },
          },
        ],
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
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
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
            schema: { type: 'string', minLength: 8, maxLength: 255 },
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
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        ],
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
        responses: { '200': { description: 'The process is running.' } },
      },
    },
    '/health/ready': {
      get: {
        operationId: 'ready',
        responses: {
          '200': { description: 'Ready for traffic.' },
          '503': { description: 'A dependency is down, or draining.' },
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        responses: { '200': { description: 'Prometheus text format.' } },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
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
          'The client (by address) exceeded RATE_LIMIT_REQUESTS_PER_SECOND with RATE_LIMIT_BURST; retry after the given seconds.',
        headers: {
          'Retry-After': {
            description: 'Seconds until the client has a token again.',
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
      PlaceOrderRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['customerEmail', 'items'],
        properties: {
          customerEmail: { type: 'string', format: 'email', maxLength: 254 },
          items: {
            type: 'array',
            minItems: 1,
            maxItems: 50,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['productId', 'quantity'],
              properties: {
                productId: { type: 'string' },
                quantity: { type: 'integer', minimum: 1, maximum: 1000 },
              },
            },
          },
        },
      },
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
