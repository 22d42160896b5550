import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import fc from 'fast-check';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { placeOrderRequestSchema, SEED_PRODUCTS } from '@flowstack/domain';
import { isAlive, startChaosStack, type ChaosStack } from '../chaos/support/chaos-stack.js';
import { recordFuzz, type FuzzResult } from '../chaos/support/results.js';
import { secretLeaks } from '../chaos/support/secrets.js';

const servers = inject('chaosServers');
let stack: ChaosStack;
let pool: Pool;
let fuzzFigures: Omit<FuzzResult, 'slowClientCutMs' | 'idleClientCutMs'> | undefined;
let slowClientHeldMs: number | undefined;
let idleClientHeldMs: number | undefined;
beforeAll(async () => {
  stack = await startChaosStack(servers, 'fuzz', {
    HTTP_HEADERS_TIMEOUT_MS: '1000',
    HTTP_REQUEST_TIMEOUT_MS: '2000',
    HTTP_KEEP_ALIVE_TIMEOUT_MS: '5000',
    HTTP_IDLE_CONNECTION_TIMEOUT_MS: '800',
  });
  pool = new Pool(stack.apiUrl, { connections: 8, keepAliveTimeout: 4_000 });
});
afterAll(async () => {
  if (fuzzFigures !== undefined) {
    await recordFuzz({
      ...fuzzFigures,
      slowClientCutMs: slowClientHeldMs,
      idleClientCutMs: idleClientHeldMs,
    });
  }
  await pool?.close();
  await stack?.close();
});

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const encode = (text: string): string => {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80'; // a lone surrogate, as raw bytes
  }
};

const nasty = fc.constantFrom(
  "'; DROP TABLE orders; --",
  '1 OR 1=1',
  '\u0000',
  '\u202e\u200b',
  '𝕏🦄',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  '%',
  '%E0%A4%A',
  '',
  ' ',
  'x'.repeat(300),
);
const oddText = fc.oneof(
  nasty,
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const extremeNumber = fc.oneof(
  fc.constantFrom(0, -1, 1e308, -1e308, 2 ** 53 + 1, 1.5, 1001, 5e-324),
  fc.double(),
  fc.integer(),
);
const anyJson = fc.jsonValue({ maxDepth: 3 });

const orderLike = fc.record(
  {
    customerEmail: fc.oneof(fc.emailAddress(), oddText, extremeNumber, anyJson),
    items: fc.oneof(
      fc.array(
        fc.record(
          {
            productId: fc.oneof(fc.constantFrom(...SEED_PRODUCTS.map((p) => p.id)), oddText),
            quantity: fc.oneof(fc.integer({ min: 1, max: 5 }), extremeNumber, oddText),
            extra: anyJson,
          },
          { requiredKeys: ['productId', 'quantity'] },
        ),
        { maxLength: 3 },
      ),
      anyJson,
    ),
    isAdmin: fc.boolean(),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  { weight: 4, arbitrary: orderLike.map((value) => JSON.stringify(value)) },
  {
    weight: 1,
    arbitrary: orderLike.map((value) => JSON.stringify(value)).map((text) => text.slice(0, -3)),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 100, max: 6000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 17_000, max: 300_000 }).map((n) => `"${'x'.repeat(n)}"`),
  },
  { weight: 1, arbitrary: anyJson.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);

const contentType = fc.option(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=utf-16',
    'application/json; charset=nope',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    '*/*',
    'application/problem+json',
  ),
  { nil: undefined },
);

const segment = fc.oneof(
  fc.uuid(),
  fc.constantFrom(...SEED_PRODUCTS.map((p) => p.id)),
  oddText.map(encode),
  fc.constantFrom('%', '%E0%A4%A', '%2e%2e', '..', '%00', 'a/b', '%2F'),
);
const query = fc.option(
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom('limit', 'after', '__proto__', 'constructor[prototype]'), oddText),
        fc.oneof(extremeNumber.map(String), oddText),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`),
  { nil: '' },
);

const target = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ method: 'POST', path: '/v1/orders' }) },
  { weight: 2, arbitrary: query.map((q) => ({ method: 'GET', path: `/v1/products${q}` })) },
  { weight: 2, arbitrary: segment.map((s) => ({ method: 'GET', path: `/v1/products/${s}` })) },
  { weight: 2, arbitrary: segment.map((s) => ({ method: 'GET', path: `/v1/orders/${s}` })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        fc.constantFrom(
          '/health/live',
          '/health/ready',
          '/metrics',
          '/openapi.json',
          '/v1/orders',
          '/v1/products',
          '/',
        ),
        query,
      )
      .map(([method, path, q]) => ({ method, path: `${path}${q}` })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), fc.array(segment, { maxLength: 5 }))
      .map(([method, parts]) => ({ method, path: `/${parts.join('/')}` })),
  },
);

const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    target,
    body,
    contentType,
    encoding: fc.option(fc.constantFrom('gzip', 'br', 'deflate', 'x-unknown'), {
      freq: 10,
      nil: undefined,
    }),
    key: fc.option(
      fc.oneof(fc.uuid(), fc.constantFrom('short', 'sp ace key', 'k'.repeat(300)), fc.string()),
      { freq: 8, nil: undefined },
    ),
    requestId: fc.option(oddText, { freq: 4, nil: undefined }),
    oversized: fc.boolean().map((big) => (big ? 'y'.repeat(20_000) : undefined)),
  })
  .map(({ target: t, body: b, contentType: ct, encoding, key, requestId, oversized }) => {
    const headers: Record<string, string> = {};
    const hasBody = !['GET', 'HEAD'].includes(t.method);
    if (hasBody && ct !== undefined) headers['content-type'] = ct;
    if (hasBody && encoding !== undefined) headers['content-encoding'] = encoding;
    // Header values cannot carry control characters on the wire; keep what HTTP allows.
    const printable = (text: string) => text.replace(/[^\x20-\x7e]/g, '?');
    if (key !== undefined) headers['idempotency-key'] = printable(key).trim() || 'empty';
    if (requestId !== undefined) headers['x-request-id'] = printable(requestId).trim() || 'x';
    if (oversized !== undefined && Math.random() < 0.05) headers['x-filler'] = oversized;
    return { method: t.method, path: t.path, headers, body: hasBody ? b : undefined };
  });

interface Answer {
  status: number;
  contentType: string;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

let sent = 0;
const failures: string[] = [];
const unexpectedErrors: string[] = [];

async function sendFuzz(request: FuzzRequest): Promise<Answer | undefined> {
  sent += 1;
  try {
    const response = await pool.request({
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: request.body,
    });
    const text = await response.body.text();
    return {
      status: response.statusCode,
      contentType: String(response.headers['content-type'] ?? ''),
      text,
      headers: response.headers,
    };
  } catch (error) {
    const name = (error as { code?: string }).code ?? '';
    // Requests the client itself refuses to send (invalid path or header) never reach the api.
    if (name === 'UND_ERR_INVALID_ARG') return undefined;
    // After 413 or 431 the api closes the connection while a big body may still be going out.
    if (request.headers['x-filler'] !== undefined || (request.body?.length ?? 0) > 16_000) {
      return undefined;
    }
    unexpectedErrors.push(`${request.method} ${request.path.slice(0, 80)}: ${String(error)}`);
    return undefined;
  }
}

/** The answer's own problems, empty when the api kept its contract. */
function judge(request: FuzzRequest, answer: Answer): string[] {
  const where = `${request.method} ${request.path.slice(0, 80)} -> ${answer.status}`;
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`${where}: a 5xx (${answer.text.slice(0, 200)})`);
  if (answer.status >= 400) {
    if (!answer.contentType.startsWith('application/problem+json')) {
      problems.push(`${where}: not problem+json but ${answer.contentType}`);
    } else if (request.method !== 'HEAD') {
      const problem = JSON.parse(answer.text) as { status?: unknown };
      if (problem.status !== answer.status) problems.push(`${where}: problem.status differs`);
    }
  }
  if (request.method === 'POST' && request.path === '/v1/orders' && answer.status === 202) {
    let valid: boolean;
    try {
      valid = placeOrderRequestSchema.safeParse(JSON.parse(request.body ?? '')).success;
    } catch {
      valid = false;
    }
    if (!valid) problems.push(`${where}: 202 for an invalid order ${request.body?.slice(0, 120)}`);
  }
  return problems;
}

const BATCH = 50;
const property = fc.asyncProperty(
  fc.array(fuzzRequest, { minLength: BATCH, maxLength: BATCH }),
  async (batch) => {
    const answers = await Promise.all(batch.map(sendFuzz));
    const problems = batch.flatMap((request, i) =>
      answers[i] === undefined ? [] : judge(request, answers[i]),
    );
    failures.push(...problems);
    // Thrown rather than returned, so the report names the broken answers, not only the batch.
    if (problems.length > 0) throw new Error(problems.slice(0, 3).join('; '));
  },
);

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return Number(kb) * 1024;
}

describe('hostile input to every endpoint', () => {
  it('when 10,000 generated requests arrive, then every answer is a 4xx problem+json or a 2xx for valid input, the api stays up and its memory stays flat', async () => {
    const pid = stack.processes.api.child.pid!;
    const started = Date.now();
    // Warm-up: JIT, pools and caches settle before memory is measured.
    await fc.assert(property, { numRuns: 20, seed: 1 });
    const rssBefore = rssBytes(pid);
    sent = 0;
    await fc.assert(property, { numRuns: 200 });
    const rssAfter = rssBytes(pid);
    const seconds = (Date.now() - started) / 1000;
    fuzzFigures = {
      ranAt: new Date(started).toISOString(),
      requests: sent,
      seconds,
      contractViolations: failures.length,
      rssBeforeMiB: Math.round(rssBefore / 2 ** 20),
      rssAfterMiB: Math.round(rssAfter / 2 ** 20),
      apiAlive: isAlive(stack.processes.api),
    };

    expect(failures.slice(0, 10)).toEqual([]);
    expect(unexpectedErrors.slice(0, 5)).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(10_000);
    expect(isAlive(stack.processes.api)).toBe(true);
    expect((await pool.request({ path: '/health/live', method: 'GET' })).statusCode).toBe(200);
    // Flat: bounded growth, not zero (V8 grows its heap lazily).
    expect(rssAfter - rssBefore).toBeLessThan(64 * 1024 * 1024);
    // Reported with the test output (the figures behind docs/reliability.md).
    process.stdout.write(
      `fuzz: ${sent} requests in ${seconds.toFixed(1)} s; api RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> ${(rssAfter / 2 ** 20).toFixed(0)} MiB\n`,
    );
  }, 240_000);

  it('when a client sends half its headers and stops, then the api answers 408 and closes the connection', async () => {
    const { port } = new URL(stack.apiUrl);
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: Number(port) });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      socket.write('GET /v1/products HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
      socket.setTimeout(20_000, () => {
        socket.destroy();
        reject(new Error('the api kept a slow client for 20 s'));
      });
    });
    slowClientHeldMs = Date.now() - started;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(slowClientHeldMs).toBeLessThan(15_000);
  }, 30_000);

  it('when a client connects and never sends a byte, then the api closes the connection', async () => {
    const { port } = new URL(stack.apiUrl);
    const heldMs = await new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const socket = connect({ host: '127.0.0.1', port: Number(port) });
      socket.on('close', () => resolve(Date.now() - started));
      socket.on('error', reject);
      socket.setTimeout(20_000, () => {
        socket.destroy();
        reject(new Error('the api kept a silent client for 20 s'));
      });
    });
    idleClientHeldMs = heldMs;
    expect(heldMs).toBeGreaterThanOrEqual(700);
    expect(heldMs).toBeLessThan(15_000);
  }, 30_000);

  it('when any api response is looked at, then it carries the security headers and no X-Powered-By', async () => {
    const paths = [
      '/v1/products',
      '/v1/products/nope',
      `/v1/orders/${randomUUID()}`,
      '/health/live',
    ];
    for (const path of paths) {
      const response = await pool.request({ path, method: 'GET' });
      await response.body.text();
      expect(response.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': expect.stringContaining('max-age=') as unknown,
        'content-security-policy': expect.stringContaining("default-src 'self'") as unknown,
        'cross-origin-resource-policy': 'same-origin',
        'referrer-policy': 'no-referrer',
      });
      expect(response.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('when all of that is over, then no log line holds a secret or an e-mail and none reports a crash', () => {
    expect(stack.output.length).toBeGreaterThan(0);
    expect(secretLeaks(stack.output)).toEqual([]);
    expect(stack.output.filter((line) => /"level":"(fatal)"|uncaught/.test(line))).toEqual([]);
  });
});
