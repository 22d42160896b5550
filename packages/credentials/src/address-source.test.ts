import { describe, expect, it } from 'vitest';
import { createManualAddressSource } from './address-source.js';

describe('createManualAddressSource', () => {
  it('when moved, then current() is the new address and listeners finish before move resolves', async () => {
    const source = createManualAddressSource({ host: '127.0.0.1', port: 6379 });
    const seen: string[] = [];
    source.onMove(async (next) => {
      // A listener that finishes on a later turn of the event loop, not in the same tick.
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(`${next.host}:${next.port}`);
    });

    await source.move({ host: '127.0.0.1', port: 6380 });

    expect(seen).toEqual(['127.0.0.1:6380']);
    expect(source.current()).toEqual({ host: '127.0.0.1', port: 6380 });
  });

  it('when moved to the address it already has, then listeners are not called', async () => {
    const source = createManualAddressSource({ host: 'db', port: 5432 });
    let calls = 0;
    const unsubscribe = source.onMove(() => {
      calls += 1;
    });
    await source.move({ host: 'db', port: 5432 });
    expect(calls).toBe(0);
    unsubscribe();
    await source.move({ host: 'db2', port: 5432 });
    expect(calls).toBe(0);
  });
});
