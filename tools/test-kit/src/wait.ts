export interface WaitOptions {
  /** Gives up after this long; 15 s by default (a loaded two-core machine). */
  timeoutMs?: number;
  /** Named in the timeout error, so a failure says what never happened. */
  what?: string;
  /** Between two checks; 50 ms by default. */
  intervalMs?: number;
}

type Found<T> = Exclude<T, false | undefined | null>;

function optionsOf(options: WaitOptions | string | undefined): Required<WaitOptions> {
  const given = typeof options === 'string' ? { what: options } : (options ?? {});
  return { timeoutMs: 15_000, what: 'condition', intervalMs: 50, ...given };
}

/**
 * Polls `check` until it returns something other than false, undefined or null, and returns that.
 * Only for states nothing announces (a row in another process's database, a queue depth, a port
 * that starts answering): where an event exists, await it with `nextEvent` instead.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options?: WaitOptions | string,
): Promise<Found<T>> {
  const { timeoutMs, what, intervalMs } = optionsOf(options);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== undefined && value !== null) return value as Found<T>;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** `waitFor` over a probe and a predicate; the timeout error shows the last value seen. */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean,
  options?: WaitOptions | string,
): Promise<T> {
  let last: T | undefined;
  const settings = optionsOf(options);
  try {
    const found = await waitFor(async () => {
      last = await probe();
      return accept(last) ? { value: last } : undefined;
    }, settings);
    return found.value;
  } catch (error) {
    throw new Error(`${(error as Error).message}; last: ${JSON.stringify(last)}`, { cause: error });
  }
}

/** Anything with `on`/`off`: an EventEmitter, or an interface that declares its events. */
export interface Emitter<A extends unknown[]> {
  on(event: string, listener: (...args: A) => void): unknown;
  off(event: string, listener: (...args: A) => void): unknown;
}

export interface EventWaitOptions<A extends unknown[]> {
  /** Only events whose arguments pass count. */
  where?: (...args: A) => boolean;
  /** How many matching events to collect; 1 by default. */
  count?: number;
  timeoutMs?: number;
}

/**
 * Resolves with the arguments of the next `count` matching events. Listen before acting: the
 * listener is attached when this is called, so an event emitted right after is not missed.
 */
export function nextEvents<A extends unknown[] = unknown[]>(
  emitter: Emitter<A>,
  event: string,
  options: EventWaitOptions<A> = {},
): Promise<A[]> {
  const { where, count = 1, timeoutMs = 10_000 } = options;
  return new Promise((resolve, reject) => {
    const seen: A[] = [];
    const listener = (...args: A) => {
      if (where !== undefined && !where(...args)) return;
      seen.push(args);
      if (seen.length < count) return;
      done();
      resolve(seen);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms: ${seen.length} of ${count} '${event}'`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      emitter.off(event, listener);
    };
    emitter.on(event, listener);
  });
}

/** The arguments of the next matching event. */
export async function nextEvent<A extends unknown[] = unknown[]>(
  emitter: Emitter<A>,
  event: string,
  options: Omit<EventWaitOptions<A>, 'count'> = {},
): Promise<A> {
  const [args] = await nextEvents(emitter, event, { ...options, count: 1 });
  return args as A;
}

/** A promise the test resolves when it chooses, e.g. to hold a handler or a transaction open. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * Lets real time pass. Only where the duration is the point (a fault held for as long as a drill
 * says, traffic kept up across it): waiting for something to happen is `nextEvent` or `waitFor`.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
