import { randomUUID } from 'node:crypto';
import { request } from 'node:http';

export interface HttpOutcome {
  method: string;
  path: string;
  /** Undefined when no complete response arrived. */
  status: number | undefined;
  contentType: string | undefined;
  retryAfter: string | undefined;
  body: string;
  /**
   * `refused`: the connection was refused before anything was sent (the server was not listening);
   * `cut`: the request was sent but the response did not complete; `timeout`: no answer in time.
   */
  failure: 'refused' | 'cut' | 'timeout' | undefined;
  error: string | undefined;
  startedMs: number;
  endedMs: number;
}

export interface SendOptions {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

/**
 * One request on a connection of its own (`Connection: close`), so a failure can be told apart:
 * refused before sending, or cut after sending. Never rejects.
 */
export function send(baseUrl: string, path: string, options: SendOptions): Promise<HttpOutcome> {
  const url = new URL(path, baseUrl);
  const startedMs = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    let sent = false;
    const finish = (outcome: Omit<HttpOutcome, 'method' | 'path' | 'startedMs' | 'endedMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ method: options.method, path, startedMs, endedMs: Date.now(), ...outcome });
    };
    const failed = (failure: HttpOutcome['failure'], error: string) =>
      finish({
        status: undefined,
        contentType: undefined,
        retryAfter: undefined,
        body: '',
        failure,
        error,
      });
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method,
        agent: false,
        headers: {
          connection: 'close',
          ...(options.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(options.body)) }),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 20_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (!res.complete) {
            failed('cut', 'response ended before it was complete');
            return;
          }
          finish({
            status: res.statusCode,
            contentType: res.headers['content-type'],
            retryAfter: res.headers['retry-after'],
            body: Buffer.concat(chunks).toString('utf8'),
            failure: undefined,
            error: undefined,
          });
        });
        res.on('error', (error) => failed('cut', error.message));
        res.on('aborted', () => failed('cut', 'response aborted'));
      },
    );
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        sent = true;
      });
    });
    req.on('timeout', () => {
      failed('timeout', 'no answer in time');
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      failed(!sent && error.code === 'ECONNREFUSED' ? 'refused' : 'cut', error.message);
    });
    req.end(options.body);
  });
}

export interface OrderPost {
  key: string;
  body: string;
  outcome: HttpOutcome;
  /** True when this POST repeated the key of an earlier one (a client retry). */
  repeat: boolean;
}

export interface LoadRecord {
  posts: OrderPost[];
  reads: HttpOutcome[];
}

export interface Load {
  record: LoadRecord;
  /** Stops issuing requests and waits for those in flight. */
  stop(): Promise<LoadRecord>;
  /** Requests sent and not yet answered. */
  inFlight(): number;
}

export function orderBodyFor(productId: string): string {
  return JSON.stringify({
    customerEmail: 'chaos-drill@example.com',
    items: [{ productId, quantity: 1 }],
  });
}

export function postOrder(baseUrl: string, key: string, body: string): Promise<HttpOutcome> {
  return send(baseUrl, '/v1/orders', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body,
  });
}

/**
 * Steady, open-loop load: every tick one POST with a fresh Idempotency-Key (every fifth repeats an
 * earlier key with the same body, as a retrying client would) and one read from `readPaths`.
 * Requests are not awaited by the tick, so a slow server does not slow the load down.
 */
export function startLoad(options: {
  baseUrl: string;
  productIds: readonly string[];
  readPaths: readonly string[];
  ratePerSecond: number;
}): Load {
  const record: LoadRecord = { posts: [], reads: [] };
  const pending = new Set<Promise<void>>();
  const issued: { key: string; body: string }[] = [];
  let tick = 0;
  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  const timer = setInterval(() => {
    tick += 1;
    const repeat = tick % 5 === 0 && issued.length > 0;
    const order = repeat
      ? issued[Math.floor(Math.random() * issued.length)]!
      : {
          key: randomUUID(),
          body: orderBodyFor(options.productIds[tick % options.productIds.length]!),
        };
    if (!repeat) issued.push(order);
    track(
      postOrder(options.baseUrl, order.key, order.body).then((outcome) => {
        record.posts.push({ ...order, outcome, repeat });
      }),
    );
    const path = options.readPaths[tick % options.readPaths.length]!;
    track(
      send(options.baseUrl, path, { method: 'GET' }).then((outcome) => {
        record.reads.push(outcome);
      }),
    );
  }, 1000 / options.ratePerSecond);
  return {
    record,
    inFlight: () => pending.size,
    async stop() {
      clearInterval(timer);
      while (pending.size > 0) await Promise.allSettled([...pending]);
      return record;
    },
  };
}
