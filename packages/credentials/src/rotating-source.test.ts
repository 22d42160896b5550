import { describe, expect, it } from 'vitest';
import type { Credentials } from './credentials.js';
import { createManualCredentialSource } from './rotating-source.js';

describe('createManualCredentialSource', () => {
  it('when rotated, then current() gives the next generation and listeners finish first', async () => {
    const source = createManualCredentialSource({ username: 'a', password: 'pw-a' });
    expect((await source.current()).generation).toBe(1);
    const seen: string[] = [];
    source.onRotate(async (next) => {
      // A listener that finishes on a later turn of the event loop, not in the same tick.
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(`${next.username ?? ''}:${next.generation}`);
    });

    const rotated = await source.rotate({ username: 'b', password: 'pw-b' });

    expect(seen).toEqual(['b:2']);
    expect(rotated.generation).toBe(2);
    expect(await source.current()).toBe(rotated);
    expect(rotated.password).toBe('pw-b');
    expect(JSON.stringify(rotated)).not.toContain('pw-b');
  });

  it('when a listener unsubscribes, then it is not called again', async () => {
    const source = createManualCredentialSource({ username: 'a' });
    const seen: number[] = [];
    const unsubscribe = source.onRotate((next) => {
      seen.push(next.generation);
    });
    await source.rotate({ username: 'b' });
    unsubscribe();
    await source.rotate({ username: 'c' });
    expect(seen).toEqual([2]);
    expect((await source.current()).generation).toBe(3);
  });

  it('when a listener fails, then the others still run and rotate rejects', async () => {
    const source = createManualCredentialSource({ username: 'a' });
    const seen: Credentials[] = [];
    source.onRotate(() => {
      throw new Error('listener broke');
    });
    source.onRotate((next) => {
      seen.push(next);
    });
    await expect(source.rotate({ username: 'b' })).rejects.toThrow(/1 rotation listener/);
    expect(seen.map((credentials) => credentials.username)).toEqual(['b']);
  });
});
