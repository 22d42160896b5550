import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnvironment } from '@flowstack/domain/testing';
import {
  postgresTargetOf,
  stackEnvironment,
  startStack,
  type BenchStack,
} from '../stack/local-stack.js';
import { databaseCompletionSource, type CompletionSource } from './completion.js';
import { nothingLost, runScenario } from './run-scenario.js';

// A few seconds of real load through real processes: keeps the kit from rotting. Not a timing test.
let stack: BenchStack;
let completion: CompletionSource;
let env: Record<string, string>;

beforeAll(async () => {
  const id = randomUUID();
  env = stackEnvironment({
    ...testEnvironment(),
    ORDERS_EXCHANGE: `test.bench.${id}`,
    ORDERS_QUEUE: `test.bench.orders.${id}`,
    LOG_LEVEL: 'info',
  });
  stack = await startStack(env);
  completion = await databaseCompletionSource(postgresTargetOf(env));
});

afterAll(async () => {
  await stack?.stop();
  await completion?.close();
  const connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  const channel = await connection.createChannel();
  for (const queue of [env.ORDERS_QUEUE!, `${env.ORDERS_QUEUE!}.dead`]) {
    await channel.deleteQueue(queue);
  }
  await channel.deleteExchange(env.ORDERS_EXCHANGE!);
  await connection.close();
});

describe('the load test against the local stack', () => {
  it('when the write scenario runs for a few seconds, then every accepted order is stored and the report has its shape', async () => {
    const run = await runScenario({
      target: stack.api.url,
      scenario: 'write',
      durationSeconds: 3,
      connections: 2,
      completion,
      completionTimeoutMs: 60_000,
    });

    expect(run.load.requests).toBeGreaterThan(0);
    expect(run.load.statusCounts['202']).toBe(run.completion?.accepted);
    expect(run.completion).toMatchObject({ missing: 0, source: 'database' });
    expect(run.completion!.accepted).toBeGreaterThan(0);
    expect(run.completion!.stored).toBe(run.completion!.accepted);
    expect(nothingLost(run)).toBe(true);
    expect(run.completion!.endToEndMs.count).toBe(run.completion!.stored);
    expect(run.load).toMatchObject({
      name: 'write',
      connections: 2,
      errors: 0,
      non2xx: {},
      latencyMs: {
        p50: expect.any(Number),
        p90: expect.any(Number),
        p99: expect.any(Number),
        p99_9: expect.any(Number),
        max: expect.any(Number),
      },
    });
    expect(run.load.timeline.length).toBeGreaterThanOrEqual(2);
  });

  it('when the mixed scenario runs at a fixed rate, then reads and writes are answered and nothing is lost', async () => {
    const run = await runScenario({
      target: stack.api.url,
      scenario: 'mixed',
      durationSeconds: 2,
      connections: 2,
      rate: 50,
      completion,
      completionTimeoutMs: 60_000,
    });

    expect(run.load.rate).toBe(50);
    expect(run.load.statusCounts['200']).toBeGreaterThan(0);
    expect(run.load.statusCounts['202']).toBeGreaterThan(0);
    // At 50 req/s for 2 s the open model cannot send much more than 100 requests.
    expect(run.load.requests).toBeLessThanOrEqual(130);
    expect(run.completion!.stored).toBe(run.completion!.accepted);
  });
});
