import { AppError } from '@flowstack/errors';
import { describe, expect, it } from 'vitest';
import { backoffDelay, createWaker } from './backoff.js';
import { defaultClassifyFailure } from './failure-routing.js';
import { describeError } from './queue-errors.js';
import {
  HEADER,
  applicationHeaders,
  consumerQueues,
  copyHeaders,
  readAttempt,
  retryDelayFor,
} from './topology.js';

describe('retryDelayFor', () => {
  it('when attempts go past the configured delays, then the last delay repeats', () => {
    const delays = [50, 100, 400];
    expect([2, 3, 4, 5, 9].map((attempt) => retryDelayFor(delays, attempt))).toEqual([
      50, 100, 400, 400, 400,
    ]);
    expect(retryDelayFor([], 2)).toBe(0);
  });
});

describe('backoffDelay', () => {
  it('when attempts grow, then the delay doubles up to the cap with at most half of it random', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, options, () => 0)).toBe(50);
    expect(backoffDelay(1, options, () => 1)).toBe(100);
    expect(backoffDelay(3, options, () => 1)).toBe(400);
    expect(backoffDelay(10, options, () => 1)).toBe(1000);
    expect(backoffDelay(10, options, () => 0)).toBe(500);
  });

  it('when no options are given, then no reconnect waits more than 1 s (orders again within 2 s of the broker)', () => {
    for (let attempt = 1; attempt <= 50; attempt += 1) {
      expect(backoffDelay(attempt, {}, () => 1)).toBeLessThanOrEqual(1_000);
    }
    expect(backoffDelay(50, {}, () => 0)).toBe(500);
  });

  it('when woken, then a sleep ends early', async () => {
    const waker = createWaker();
    const started = performance.now();
    const sleeping = waker.sleep(60_000);
    waker.wake();
    await sleeping;
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('failure helpers', () => {
  it('when a client error is thrown, then it is poison; anything else is retried', () => {
    expect(defaultClassifyFailure(AppError.validation('bad order', []))).toBe('dead-letter');
    expect(defaultClassifyFailure(AppError.unavailable('db down'))).toBe('retry');
    expect(defaultClassifyFailure(new Error('boom'))).toBe('retry');
    expect(defaultClassifyFailure('a string')).toBe('retry');
  });

  it('when an error is described, then only its name and message survive, truncated', () => {
    const error = Object.assign(new Error('x'.repeat(1000)), { password: 'hunter2' });
    const text = describeError(error);
    expect(text.length).toBe(500);
    expect(text.startsWith('Error: xxx')).toBe(true);
    expect(text).not.toContain('hunter2');
    expect(describeError({ password: 'hunter2' })).toBe('non-error thrown: object');
  });

  it('when headers are read, then own and broker bookkeeping stay out of the handler view', () => {
    const headers = {
      'x-tenant': 'acme',
      [HEADER.attempt]: 3,
      [HEADER.routingKey]: 'order.created',
      'x-death': [{ count: 1 }],
      'x-first-death-queue': 'q',
    };
    expect(applicationHeaders(headers)).toEqual({ 'x-tenant': 'acme' });
    expect(copyHeaders(headers)).toEqual({
      'x-tenant': 'acme',
      [HEADER.attempt]: 3,
      [HEADER.routingKey]: 'order.created',
    });
    expect(readAttempt(headers)).toBe(3);
    expect(readAttempt({ [HEADER.attempt]: '2' })).toBe(2);
    expect(readAttempt({ [HEADER.attempt]: 'nonsense' })).toBe(1);
    expect(readAttempt({})).toBe(1);
  });
});

describe('consumerQueues', () => {
  const topology = {
    queue: 'orders',
    exchange: 'orders.exchange',
    routingKeys: ['order.#'],
    retryDelaysMs: [100, 500, 500],
  };

  it('when no type is given, then the main, dead-letter and every retry queue are quorum queues', () => {
    const queues = consumerQueues(topology);
    expect(queues.map((queue) => queue.name)).toEqual([
      'orders',
      'orders.dead',
      'orders.retry.100',
      'orders.retry.500',
    ]);
    for (const queue of queues) expect(queue.arguments['x-queue-type']).toBe('quorum');
    const atLeastOnce = {
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    };
    expect(queues[0]?.arguments).toEqual({
      'x-queue-type': 'quorum',
      'x-delivery-limit': 20,
      'x-dead-letter-exchange': 'orders.moves',
      'x-dead-letter-routing-key': 'orders.dead',
      ...atLeastOnce,
    });
    // Listing dead letters requeues them: a limit on the dead-letter queue would drop them.
    expect(queues[1]?.arguments).toEqual({ 'x-queue-type': 'quorum' });
    expect(queues[2]?.arguments).toEqual({
      'x-queue-type': 'quorum',
      'x-message-ttl': 100,
      'x-dead-letter-exchange': 'orders.moves',
      'x-dead-letter-routing-key': 'orders',
      ...atLeastOnce,
    });
    expect(
      consumerQueues({ ...topology, deliveryLimit: 3 })[0]?.arguments['x-delivery-limit'],
    ).toBe(3);
  });

  it('when the type is classic, then the retry queues dead-letter through the moves exchange and nothing is quorum', () => {
    expect(consumerQueues({ ...topology, queueType: 'classic' })).toEqual([
      { name: 'orders', arguments: {} },
      { name: 'orders.dead', arguments: {} },
      {
        name: 'orders.retry.100',
        arguments: {
          'x-message-ttl': 100,
          'x-dead-letter-exchange': 'orders.moves',
          'x-dead-letter-routing-key': 'orders',
        },
      },
      {
        name: 'orders.retry.500',
        arguments: {
          'x-message-ttl': 500,
          'x-dead-letter-exchange': 'orders.moves',
          'x-dead-letter-routing-key': 'orders',
        },
      },
    ]);
  });
});
