import { describe, expect, it } from 'vitest';
import { createListRewriter, LIST_MARKER_HEADER } from './list-method.js';

const run = (chunks: string[]) => {
  const rewrite = createListRewriter();
  return chunks.map((c) => rewrite(Buffer.from(c, 'latin1')).toString('latin1')).join('');
};

describe('createListRewriter', () => {
  it('when a request line uses LIST, then it becomes GET with the marker header', () => {
    expect(run(['LIST /v1/secret/metadata HTTP/1.1\r\nHost: x\r\n\r\n'])).toBe(
      `GET /v1/secret/metadata HTTP/1.1\r\n${LIST_MARKER_HEADER}: 1\r\nHost: x\r\n\r\n`,
    );
  });

  it('when the LIST line is split across chunks, then it is still rewritten', () => {
    expect(run(['LI', 'ST /v1/a HT', 'TP/1.1\r\nHost: x\r\n\r\n'])).toBe(
      `GET /v1/a HTTP/1.1\r\n${LIST_MARKER_HEADER}: 1\r\nHost: x\r\n\r\n`,
    );
  });

  it('when LIST follows a request with a body on a kept-alive connection, then it is rewritten', () => {
    const first = 'POST /v1/x HTTP/1.1\r\nContent-Length: 14\r\n\r\n{"a":"LIST /"}';
    expect(run([first, 'LIST /v1/y HTTP/1.1\r\n\r\n'])).toBe(
      `${first}GET /v1/y HTTP/1.1\r\n${LIST_MARKER_HEADER}: 1\r\n\r\n`,
    );
    expect(run([`${first}LIST /v1/y HTTP/1.1\r\n\r\n`])).toBe(
      `${first}GET /v1/y HTTP/1.1\r\n${LIST_MARKER_HEADER}: 1\r\n\r\n`,
    );
  });

  it('when a body contains a line that looks like a LIST request, then the body is left alone', () => {
    const body = '\r\nLIST /v1/z HTTP/1.1\r\n\r\n';
    const text = `POST /v1/x HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    expect(run([text])).toBe(text);
  });

  it('when other methods are used, then bytes pass through unchanged', () => {
    const text = 'GET /v1/sys/health HTTP/1.1\r\nHost: LIST\r\n\r\n';
    expect(run([text])).toBe(text);
  });
});
