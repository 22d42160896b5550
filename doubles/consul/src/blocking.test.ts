import { describe, expect, it } from 'vitest';
import { MAX_WAIT_MS, parseBlocking, waitForChange } from './blocking.js';
import { ChangeIndex } from './change-index.js';

describe('parseBlocking', () => {
  it('when no index or index 0 is given, then the query does not block', () => {
    expect(parseBlocking(new URLSearchParams(''))).toBeUndefined();
    expect(parseBlocking(new URLSearchParams('index=0&wait=1s'))).toBeUndefined();
  });

  it('when wait is absent, then it defaults to 5m plus at most wait/16 jitter', () => {
    const low = parseBlocking(new URLSearchParams('index=3'), () => 0);
    const high = parseBlocking(new URLSearchParams('index=3'), () => 0.999999);
    expect(low).toEqual({ index: 3, waitMs: 300_000 });
    expect(high?.waitMs).toBeGreaterThan(300_000);
    expect(high?.waitMs).toBeLessThan(300_000 + 300_000 / 16);
  });

  it('when wait exceeds 10m, then it is capped', () => {
    expect(parseBlocking(new URLSearchParams('index=1&wait=1h'), () => 0)?.waitMs).toBe(
      MAX_WAIT_MS,
    );
  });

  it('when wait or index is malformed, then it is a 400', () => {
    expect(() => parseBlocking(new URLSearchParams('index=1&wait=10'))).toThrow(
      'Invalid wait time',
    );
    expect(() => parseBlocking(new URLSearchParams('index=abc'))).toThrow(/Invalid index/);
  });
});

describe('waitForChange', () => {
  it('when the relevant index already moved past the client index, then it returns at once', async () => {
    const changes = new ChangeIndex();
    const started = Date.now();
    await waitForChange(changes, { index: 1, waitMs: 10_000 }, () => 2);
    expect(Date.now() - started).toBeLessThan(50);
  });

  it('when an unrelated write happens, then it keeps waiting; a relevant one wakes it', async () => {
    const changes = new ChangeIndex();
    let relevant = 1;
    let woke = false;
    const waiting = waitForChange(changes, { index: 1, waitMs: 10_000 }, () => relevant).then(
      () => {
        woke = true;
      },
    );
    changes.next();
    changes.notify();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(woke).toBe(false);
    relevant = changes.next();
    changes.notify();
    await waiting;
    expect(woke).toBe(true);
  });

  it('when nothing changes, then it returns after the wait', async () => {
    const started = Date.now();
    await waitForChange(new ChangeIndex(), { index: 5, waitMs: 60 }, () => 5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('when the signal aborts, then it returns early', async () => {
    const controller = new AbortController();
    const waiting = waitForChange(
      new ChangeIndex(),
      { index: 5, waitMs: 60_000 },
      () => 5,
      controller.signal,
    );
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
  });
});
