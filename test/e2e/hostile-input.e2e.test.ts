import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStackUnderTest, type StackUnderTest } from './stack-under-test.js';

let s: StackUnderTest;
beforeAll(async () => {
  s = await startStackUnderTest();
}, 120_000);
afterAll(async () => {
  await s?.close();
});

interface Case {
  name: string;
  contentType?: string;
  body: string;
  headers?: Record<string, string>;
}

const cases: Case[] = [
  { name: 'malformed JSON', body: '{"customerEmail":' },
  { name: 'a JSON string', body: '"order"' },
  { name: 'null', body: 'null' },
  { name: 'wrong types', body: JSON.stringify({ customerEmail: 42, items: { productId: 1 } }) },
  { name: 'missing fields', body: JSON.stringify({}) },
  {
    name: 'extra fields',
    body: JSON.stringify({
      customerEmail: 'a@example.com',
      items: [{ productId: 'hand-grinder', quantity: 1 }],
      isAdmin: true,
    }),
  },
  {
    name: 'an oversized body',
    body: JSON.stringify({ customerEmail: 'a@example.com', items: [], pad: 'x'.repeat(200_000) }),
  },
  { name: 'deep nesting', body: '['.repeat(5000) + ']'.repeat(5000) },
  { name: 'a wrong content type', contentType: 'text/plain', body: 'hello' },
  {
    name: 'form encoding',
    contentType: 'application/x-www-form-urlencoded',
    body: 'customerEmail=a%40example.com',
  },
  { name: 'no content type', contentType: '', body: '{}' },
  {
    name: 'SQL in a product id',
    body: JSON.stringify({
      customerEmail: 'a@example.com',
      items: [{ productId: "'; DROP TABLE orders; --", quantity: 1 }],
    }),
  },
  {
    name: 'odd Unicode',
    body: JSON.stringify({
      customerEmail: '\u202e@\u0000.com',
      items: [{ productId: '\ud83d\ude00', quantity: 1 }],
    }),
  },
  {
    name: 'an extreme number',
    body: JSON.stringify({
      customerEmail: 'a@example.com',
      items: [{ productId: 'hand-grinder', quantity: 1e308 }],
    }),
  },
  {
    name: 'a negative quantity',
    body: JSON.stringify({
      customerEmail: 'a@example.com',
      items: [{ productId: 'hand-grinder', quantity: -1 }],
    }),
  },
  {
    name: 'a bad Idempotency-Key',
    body: JSON.stringify({ customerEmail: 'a@example.com', items: [] }),
    headers: { 'idempotency-key': 'sp ace' },
  },
];

describe('hostile input to POST /v1/orders', () => {
  it.each(cases)('when sent $name, then the answer is a 4xx problem+json', async (c) => {
    const headers: Record<string, string> = { 'idempotency-key': randomUUID(), ...c.headers };
    if (c.contentType !== '') headers['content-type'] = c.contentType ?? 'application/json';
    const response = await fetch(`${s.apiUrl}/v1/orders`, {
      method: 'POST',
      headers,
      body: c.body,
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as { status: number; type: string };
    expect(problem.status).toBe(response.status);
  });

  it('when the headers are oversized, then the answer is a 431 problem+json', async () => {
    const response = await fetch(`${s.apiUrl}/v1/products`, {
      headers: { 'x-filler': 'x'.repeat(20_000) },
    });
    expect(response.status).toBe(431);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('when the request is not HTTP, then the answer is a 400 problem+json and the api stays up', async () => {
    const { port, hostname } = new URL(s.apiUrl);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      socket.write('THIS IS NOT HTTP\r\n\r\n');
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('application/problem+json');
    expect((await fetch(`${s.apiUrl}/health/live`)).status).toBe(200);
  });

  it('when all of that is over, then no line the api wrote reports a 5xx or a crash', () => {
    const failures = s.output.filter(
      (line) => line.startsWith('api ') && /"level":"(error|fatal)"/.test(line),
    );
    expect(failures).toEqual([]);
  });
});
