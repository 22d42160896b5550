import autocannon from 'autocannon';

export interface LoadRequest {
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Called for each request before it is sent; returns the request to send. */
  prepare?: () => { path: string; headers?: Record<string, string>; body?: string };
  /** Called with each response of this request. */
  onResponse?: (status: number, body: string) => void;
}

export interface LoadOptions {
  name: string;
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  /** Requests each connection cycles through, in order. */
  requests: LoadRequest[];
  durationSeconds: number;
  connections: number;
  /** Open model: a fixed number of requests per second over all connections. Unset: as fast as possible. */
  rate?: number;
  /** Called once a second with the requests completed in that second. */
  onTick?: (completedThisSecond: number, elapsedSeconds: number) => void;
  /** Stops the run early (for Ctrl-C). */
  signal?: AbortSignal;
}

export interface LatencySummary {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
}

export interface LoadResult {
  name: string;
  url: string;
  connections: number;
  durationSeconds: number;
  /** Set for an open-model run. */
  rate: number | undefined;
  requests: number;
  requestsPerSecond: number;
  latencyMs: LatencySummary;
  /** Connection errors and timeouts. */
  errors: number;
  timeouts: number;
  /** Responses per status code. */
  statusCounts: Record<string, number>;
  /** Responses outside 2xx per status code. */
  non2xx: Record<string, number>;
  /** Completed requests in each second of the run (exactly one value per second run). */
  timeline: number[];
  /** p50 and p99 latency (ms) of the responses completed in each second of the run. */
  latencyTimeline?: { p50: number[]; p99: number[] };
  /** The latency distribution: [percentile, ms] from autocannon's HDR histogram. */
  percentiles?: [number, number][];
}

/**
 * One autocannon run. With `rate` set, autocannon spreads that many requests per second over
 * the connections and corrects latencies for coordinated omission (a request that could not be
 * sent on time counts from when it should have been sent).
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const timeline: number[] = [];
  const latencyTimeline = { p50: [] as number[], p99: [] as number[] };
  let second: number[] = [];
  let elapsed = 0;
  let abort: (() => void) | undefined;
  try {
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: options.url,
          connections: options.connections,
          duration: options.durationSeconds,
          ...(options.rate === undefined ? {} : { overallRate: options.rate }),
          timeout: 10,
          requests: options.requests.map(toAutocannonRequest),
        },
        (error: Error | null, done: autocannon.Result) => {
          if (error) reject(error);
          else resolve(done);
        },
      );
      // The typings omit the tick's payload: { counter, bytes } of the last second.
      (instance as NodeJS.EventEmitter).on(
        'response',
        (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
          second.push(responseTime);
        },
      );
      (instance as NodeJS.EventEmitter).on('tick', (tick: { counter: number }) => {
        elapsed += 1;
        timeline.push(tick.counter);
        const sorted = second.sort((a, b) => a - b);
        second = [];
        latencyTimeline.p50.push(rankOf(sorted, 0.5));
        latencyTimeline.p99.push(rankOf(sorted, 0.99));
        options.onTick?.(tick.counter, elapsed);
      });
      abort = () => instance.stop();
      options.signal?.addEventListener('abort', abort, { once: true });
    });
    // autocannon ticks once more as it stops, for the part of a second after the run: that
    // value (usually 0) is not a second of the run and drew every line down to zero at its end.
    const seconds = Math.max(1, Math.round(options.durationSeconds));
    return {
      ...summarize(options, result, timeline.slice(0, seconds)),
      latencyTimeline: {
        p50: latencyTimeline.p50.slice(0, seconds),
        p99: latencyTimeline.p99.slice(0, seconds),
      },
      percentiles: PERCENTILES.flatMap(([q, field]) => {
        const value = (result.latency as unknown as Record<string, number | undefined>)[field];
        return value === undefined ? [] : [[q, value] as [number, number]];
      }),
    };
  } finally {
    if (abort !== undefined) options.signal?.removeEventListener('abort', abort);
  }
}

const PERCENTILES: [number, string][] = [
  [1, 'p1'],
  [2.5, 'p2_5'],
  [10, 'p10'],
  [25, 'p25'],
  [50, 'p50'],
  [75, 'p75'],
  [90, 'p90'],
  [97.5, 'p97_5'],
  [99, 'p99'],
  [99.9, 'p99_9'],
  [99.99, 'p99_99'],
  [99.999, 'p99_999'],
];

function rankOf(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return (
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 100) / 100
  );
}

function toAutocannonRequest(request: LoadRequest): autocannon.Request {
  const base: autocannon.Request = {
    method: request.method ?? 'GET',
    path: request.path,
    ...(request.headers === undefined ? {} : { headers: request.headers }),
    ...(request.body === undefined ? {} : { body: request.body }),
  };
  if (request.prepare !== undefined) {
    const prepare = request.prepare;
    base.setupRequest = (raw: autocannon.Request) => {
      const next = prepare();
      return {
        ...raw,
        path: next.path,
        ...(next.headers === undefined ? {} : { headers: { ...raw.headers, ...next.headers } }),
        ...(next.body === undefined ? {} : { body: next.body }),
      };
    };
  }
  if (request.onResponse !== undefined) {
    const onResponse = request.onResponse;
    base.onResponse = (status: number, body: string) => onResponse(status, body);
  }
  return base;
}

function summarize(
  options: LoadOptions,
  result: autocannon.Result,
  timeline: number[],
): LoadResult {
  const statusCounts: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCounts[status] = Number((stats as { count?: number | string }).count ?? 0);
  }
  const non2xx = Object.fromEntries(
    Object.entries(statusCounts).filter(([status]) => !status.startsWith('2')),
  );
  const requests = Object.values(statusCounts).reduce((sum, count) => sum + count, 0);
  const duration = result.duration > 0 ? result.duration : options.durationSeconds;
  return {
    name: options.name,
    url: options.url,
    connections: options.connections,
    durationSeconds: round(duration, 2),
    rate: options.rate,
    requests,
    requestsPerSecond: round(requests / duration, 1),
    latencyMs: {
      mean: round(result.latency.average, 2),
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      p99_9: result.latency.p99_9,
      max: result.latency.max,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    non2xx,
    timeline,
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
