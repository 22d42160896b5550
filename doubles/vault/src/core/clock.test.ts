import { describe, expect, it } from 'vitest';
import { createClock } from './clock.js';

describe('createClock', () => {
  it('when manual and advanced, then due timers fire in time order and later ones wait', () => {
    const clock = createClock({ manual: true, startAt: 1_000_000 });
    const fired: string[] = [];
    clock.setTimer(1_000_000 + 5_000, () => fired.push('b'));
    clock.setTimer(1_000_000 + 1_000, () => fired.push('a'));
    clock.setTimer(1_000_000 + 60_000, () => fired.push('c'));
    clock.advance(10_000);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(1_010_000);
    clock.advance(60_000);
    expect(fired).toEqual(['a', 'b', 'c']);
  });

  it('when a timer is cancelled, then it never fires', () => {
    const clock = createClock({ manual: true });
    let fired = false;
    const cancel = clock.setTimer(clock.now() + 10, () => {
      fired = true;
    });
    cancel();
    clock.advance(1_000);
    expect(fired).toBe(false);
  });

  it('when sped up, then a timer one double-minute ahead fires within about a real second', async () => {
    const clock = createClock({ speed: 600 });
    const start = Date.now();
    await new Promise<void>((resolve) => clock.setTimer(clock.now() + 60_000, resolve));
    expect(Date.now() - start).toBeLessThan(5_000);
  });
});
