import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventually, gate, nextEvent, nextEvents, waitFor } from './wait.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('waitFor', () => {
  it('when the check turns truthy, then it resolves with that value', async () => {
    let calls = 0;
    const found = await waitFor(() => (++calls === 3 ? { row: 1 } : undefined), { intervalMs: 1 });
    expect(found).toEqual({ row: 1 });
    expect(calls).toBe(3);
  });

  it('when the check never passes, then it rejects naming what it waited for', async () => {
    vi.useFakeTimers();
    const waiting = waitFor(() => false, { timeoutMs: 1_000, what: 'the row' });
    const failure = expect(waiting).rejects.toThrow('timed out after 1000 ms waiting for the row');
    await vi.advanceTimersByTimeAsync(1_100);
    await failure;
  });
});

describe('eventually', () => {
  it('when the probe never satisfies the predicate, then the error shows the last value', async () => {
    vi.useFakeTimers();
    const waiting = eventually(
      () => ({ status: 'critical' }),
      (value) => value.status === 'passing',
      { timeoutMs: 100 },
    );
    const failure = expect(waiting).rejects.toThrow('last: {"status":"critical"}');
    await vi.advanceTimersByTimeAsync(200);
    await failure;
  });

  it('when the predicate passes, then the probed value comes back', async () => {
    let n = 0;
    expect(
      await eventually(
        () => ++n,
        (value) => value >= 2,
        { intervalMs: 1 },
      ),
    ).toBe(2);
  });
});

describe('nextEvents', () => {
  it('when matching events arrive, then their arguments come back in order', async () => {
    const emitter = new EventEmitter();
    const waiting = nextEvents<[string, number]>(emitter, 'settled', {
      count: 2,
      where: (outcome) => outcome === 'ack',
    });
    emitter.emit('settled', 'retry', 1);
    emitter.emit('settled', 'ack', 2);
    emitter.emit('settled', 'ack', 3);
    expect(await waiting).toEqual([
      ['ack', 2],
      ['ack', 3],
    ]);
    expect(emitter.listenerCount('settled')).toBe(0);
  });

  it('when the event never comes, then it rejects with how many came and removes its listener', async () => {
    vi.useFakeTimers();
    const emitter = new EventEmitter();
    const waiting = nextEvent(emitter, 'settled', { timeoutMs: 500 });
    const failure = expect(waiting).rejects.toThrow("0 of 1 'settled'");
    await vi.advanceTimersByTimeAsync(600);
    await failure;
    expect(emitter.listenerCount('settled')).toBe(0);
  });
});

describe('gate', () => {
  it('when opened, then what awaited it continues', async () => {
    const { opened, open } = gate();
    let passed = false;
    const waiting = opened.then(() => {
      passed = true;
    });
    await Promise.resolve();
    expect(passed).toBe(false);
    open();
    await waiting;
    expect(passed).toBe(true);
  });
});
