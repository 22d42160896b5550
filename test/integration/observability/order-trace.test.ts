import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { waitFor } from '@flowstack/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApi, type RunningApi } from '@flowstack/api';
import { apiConfigSchema } from '@flowstack/api/config';
import { loadConfig } from '@flowstack/config';
import { createDatabase, type Database } from '@flowstack/db';
import { createStaticCredentialSource } from '@flowstack/credentials';
import {
  createTestProduct,
  orderRequestFor,
  prepareTestDatabase,
  testEnvironment,
} from '@flowstack/domain/testing';
import { createLogger } from '@flowstack/observability';
import { startTracing, type Tracing } from '@flowstack/service-kit';
import { startWorker, type RunningWorker } from '@flowstack/worker';
import { workerConfigSchema } from '@flowstack/worker/config';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let api: RunningApi;
let worker: RunningWorker;
let db: Database;

beforeAll(async () => {
  await prepareTestDatabase();
  const id = randomUUID();
  const env = testEnvironment({
    ORDERS_EXCHANGE: `test.trace.${id}`,
    ORDERS_QUEUE: `test.trace.orders.${id}`,
    PORT: '0',
    HEALTH_PORT: '0',
    HOST: '127.0.0.1',
  });
  const apiConfig = loadConfig('api', apiConfigSchema, env);
  tracing = startTracing({
    service: 'api',
    config: apiConfig,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const logger = createLogger({ service: 'trace-test', level: 'warn' });
  worker = await startWorker(loadConfig('worker', workerConfigSchema, env), logger);
  api = await startApi(apiConfig, logger);
  db = await createDatabase({
    host: apiConfig.POSTGRES_HOST,
    port: apiConfig.POSTGRES_PORT,
    database: apiConfig.POSTGRES_DB,
    credentials: createStaticCredentialSource({ username: apiConfig.POSTGRES_USER, password: '' }),
    logger,
  });
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await db?.close();
  await tracing?.shutdown();
});

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

it('when one order is placed, then the api, publish, worker and INSERT spans form one trace', async () => {
  const product = await createTestProduct(db);
  const response = await fetch(`${api.url}/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify(orderRequestFor([product])),
  });
  expect(response.status).toBe(202);

  const server = await waitFor(() =>
    exporter
      .getFinishedSpans()
      .find((span) => span.kind === SpanKind.SERVER && span.name === 'POST /v1/orders'),
  );
  const traceId = server.spanContext().traceId;
  const inTrace = () =>
    exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
  const consume = await waitFor(() => inTrace().find((span) => span.kind === SpanKind.CONSUMER));
  const insert = await waitFor(() =>
    inTrace().find(
      (span) => span.name === 'INSERT' && parentOf(span) === consume.spanContext().spanId,
    ),
  );

  const publish = inTrace().find((span) => span.kind === SpanKind.PRODUCER);
  expect(publish).toBeDefined();
  expect(server.parentSpanContext).toBeUndefined();
  expect(parentOf(publish!)).toBe(server.spanContext().spanId);
  expect(parentOf(consume)).toBe(publish!.spanContext().spanId);
  expect(insert.attributes['db.system.name']).toBe('postgresql');
  // The api's own reads (product prices, the pending marker) are children of its request too.
  const apiChildren = inTrace().filter((span) => parentOf(span) === server.spanContext().spanId);
  expect(apiChildren.some((span) => span.name.startsWith('redis '))).toBe(true);
});
