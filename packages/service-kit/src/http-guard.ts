import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { AppError, PROBLEM_CONTENT_TYPE, toProblem } from '@flowstack/errors';

/**
 * How long a connection may hold the server. Every limit ends in a destroyed socket, so no mix of
 * settings and no peer behaviour (silent, slow, never reading) keeps a socket past
 * `max(silentMs, headersTimeout, writeStallMs) + closeGraceMs`.
 */
export interface ConnectionLimits {
  /** A connection that has sent no byte this long after it opened is destroyed. */
  silentMs: number;
  /** Answers a connection may have outstanding (pipelined, not yet written); more get 503. */
  maxPendingResponses: number;
  /** A connection whose pending output has not moved for this long is destroyed (a peer that never reads). */
  writeStallMs: number;
  /** After an error answer and FIN, how long the peer has to read it before the socket is destroyed. */
  closeGraceMs: number;
}

interface ConnectionState {
  pending: Set<IncomingMessage>;
  /** An error answer held back until the answers to the complete requests before it are out. */
  afterPending: (() => void) | undefined;
  stall: NodeJS.Timeout | undefined;
  writtenAtCheck: number;
}

const STATUS_BY_CODE: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'The request headers are too large.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request took too long to arrive.'],
};

/** A complete problem+json answer that closes the connection, as raw bytes for a bare socket. */
function rawProblem(status: number, reason: string, error: AppError): string {
  const body = JSON.stringify(toProblem(error));
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

function answer(response: ServerResponse, error: AppError, close: boolean): void {
  const body = JSON.stringify(toProblem(error));
  response.writeHead(error.status, {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    ...(close ? { connection: 'close' } : {}),
    ...(error.retryAfterSeconds === undefined
      ? {}
      : { 'retry-after': String(error.retryAfterSeconds) }),
  });
  response.end(body);
}

/**
 * Why Node's own parser would let a request through that this server refuses: a transfer coding
 * other than a lone `chunked` (llhttp frames `gzip, chunked` as chunked and drops the gzip:
 * RFC 9112 §6.1 asks for 501), or HTTP/1.1 without Host (Node's own check answers an empty 400,
 * so it is turned off and done here; RFC 9112 §3.2).
 */
function refusal(request: IncomingMessage): AppError | undefined {
  const coding = request.headers['transfer-encoding'];
  if (coding !== undefined && coding.trim().toLowerCase() !== 'chunked') {
    return new AppError('Only the chunked transfer coding is supported.', {
      status: 501,
      code: 'unsupported-transfer-coding',
      isOperational: true,
    });
  }
  if (request.httpVersion === '1.1' && request.headers.host === undefined) {
    return new AppError('HTTP/1.1 requests need a Host header.', {
      status: 400,
      code: 'missing-host',
    });
  }
  return undefined;
}

/**
 * Connection handling that holds under abuse, shared by the api and the health servers. Build the
 * server with `serverOptions` and `handle(app)`, then `attach(server)` before it listens.
 */
export function createHttpGuard(limits: ConnectionLimits) {
  const states = new WeakMap<Socket, ConnectionState>();

  function stateOf(socket: Socket): ConnectionState {
    let state = states.get(socket);
    if (state === undefined) {
      state = { pending: new Set(), afterPending: undefined, stall: undefined, writtenAtCheck: 0 };
      states.set(socket, state);
    }
    return state;
  }

  function destroyAfterGrace(socket: Socket): void {
    const timer = setTimeout(() => socket.destroy(), limits.closeGraceMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  function endWith(socket: Socket, raw: string): void {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(raw);
    // The server keeps half-open sockets (allowHalfOpen): a peer that never reads or closes
    // would hold this one until some later timer.
    destroyAfterGrace(socket);
  }

  /**
   * Destroys a connection whose output stopped moving: Node stops reading pipelined requests
   * while answers wait, but a peer that never reads would then hold the socket, and the answers
   * in memory, forever.
   */
  function watchStall(socket: Socket, state: ConnectionState): void {
    if (state.stall !== undefined) return;
    state.writtenAtCheck = socket.bytesWritten;
    state.stall = setTimeout(() => {
      state.stall = undefined;
      if (socket.destroyed) return;
      const waiting = state.pending.size > 0 || socket.writableLength > 0;
      if (!waiting) return;
      if (socket.bytesWritten === state.writtenAtCheck) socket.destroy();
      else watchStall(socket, state);
    }, limits.writeStallMs);
    state.stall.unref();
  }

  function handle(app: RequestListener): RequestListener {
    return (request, response) => {
      const socket = request.socket;
      const state = stateOf(socket);
      state.pending.add(request);
      response.once('close', () => {
        state.pending.delete(request);
        if (state.pending.size === 0 && state.afterPending !== undefined) {
          const next = state.afterPending;
          state.afterPending = undefined;
          next();
        }
      });
      watchStall(socket, state);
      if (state.pending.size > limits.maxPendingResponses) {
        // Not executed, so the client may retry it (RFC 9112 §9.3.2): it sent more requests than
        // it read answers to.
        answer(
          response,
          new AppError(
            `More than ${limits.maxPendingResponses} pipelined requests are waiting for their answers; read them first.`,
            {
              status: 503,
              code: 'too-many-pipelined-requests',
              isOperational: true,
              retryAfterSeconds: 1,
            },
          ),
          true,
        );
        return;
      }
      const refused = refusal(request);
      if (refused !== undefined) {
        answer(response, refused, true);
        return;
      }
      app(request, response);
    };
  }

  /**
   * Node answers malformed requests, oversized headers and slow clients itself, before the app
   * sees them; this keeps those answers problem+json. A complete request before the bad one still
   * gets its own answer first (the 400 waits for it); a request still arriving is cut.
   */
  function onClientError(error: Error & { code?: string }, socket: Socket): void {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, message] = STATUS_BY_CODE[error.code ?? ''] ?? [
      400,
      'Bad Request',
      'The request is not valid HTTP.',
    ];
    const raw = rawProblem(status, reason, new AppError(message, { status, code: 'bad-http' }));
    const state = stateOf(socket);
    const inFlight = [...state.pending];
    if (inFlight.length > 0 && inFlight.every((request) => request.complete)) {
      state.afterPending = () => endWith(socket, raw);
      return;
    }
    if (inFlight.length > 0) {
      // A request still arriving has a response that may be written at any time: interleaving
      // the 400 with it would corrupt the stream, so the connection goes as Node's own handler
      // does, with the 400 only when nothing was written yet.
      const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })
        ._httpMessage;
      if (current?.headersSent !== true) socket.write(raw);
      socket.destroy();
      return;
    }
    endWith(socket, raw);
  }

  function attach(server: Server): void {
    server.on('connection', (socket: Socket) => {
      // Errors after the parser's own handler let go (a write to a peer gone) must not crash.
      socket.on('error', () => undefined);
      const silent = setTimeout(() => {
        if (socket.bytesRead === 0) socket.destroy();
      }, limits.silentMs);
      silent.unref();
      socket.once('close', () => {
        clearTimeout(silent);
        const state = states.get(socket);
        if (state?.stall !== undefined) clearTimeout(state.stall);
      });
    });
    server.on('clientError', onClientError);
    server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
      answer(
        response,
        new AppError('Only the 100-continue expectation is supported.', {
          status: 417,
          code: 'expectation-failed',
        }),
        true,
      );
    });
    // With a 'connect' listener Node hands over the bare socket instead of closing it unanswered.
    server.on('connect', (_request: IncomingMessage, socket: Socket) => {
      endWith(
        socket,
        rawProblem(
          501,
          'Not Implemented',
          new AppError('CONNECT is not supported: this server is not a proxy.', {
            status: 501,
            code: 'method-not-supported',
            isOperational: true,
          }),
        ),
      );
    });
  }

  /** Options the server must be created with for `handle` to see what Node would answer itself. */
  const serverOptions = { requireHostHeader: false } as const;

  return { handle, attach, serverOptions };
}
