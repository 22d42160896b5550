import { AppError, isAppError } from './app-error.js';

/** RFC 9457 problem details. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The one base every problem `type` URI sits under (`<base><code>`, e.g. `.../problems/validation`).
 * A fork sets its own here, under a domain it owns, ideally one that serves a page per code; the
 * api's OpenAPI document lists the codes. Nothing else in the repository spells a problem URI.
 */
export const PROBLEM_TYPE_BASE = 'https://flowstack.dev/problems/';

/** The `type` URI of a problem code. */
export function problemType(code: string): string {
  return new URL(code, PROBLEM_TYPE_BASE).href;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/**
 * Renders any thrown value as a problem. Only operational AppErrors show their message; anything
 * else becomes a bare 500 so that internals (SQL, stack, hostnames, credentials) never leak.
 */
export function toProblem(error: unknown, instance?: string): ProblemDetails {
  const appError = isAppError(error) ? error : undefined;
  const status = appError?.status ?? 500;
  const safe = appError !== undefined && (appError.isOperational || status < 500);
  const problem: ProblemDetails = {
    type: problemType(safe ? appError.code : 'internal'),
    title: TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'),
    status,
  };
  if (safe) {
    problem.detail = appError.message;
    Object.assign(problem, appError.extensions);
  }
  if (instance !== undefined) problem.instance = instance;
  return problem;
}

/** Maps errors that HTTP body parsers raise (they carry `status` and `type`) to AppErrors. */
export function fromHttpParserError(error: unknown): AppError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type } = error as { status?: unknown; type?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  const messages: Record<string, [string, string]> = {
    'entity.parse.failed': ['The request body is not valid JSON.', 'malformed-json'],
    'entity.too.large': ['The request body is larger than the server accepts.', 'body-too-large'],
    'encoding.unsupported': ['The request body encoding is not supported.', 'unsupported-encoding'],
    'charset.unsupported': ['The request body charset is not supported.', 'unsupported-charset'],
    'request.size.invalid': [
      'The request body length does not match Content-Length.',
      'bad-request',
    ],
    'request.aborted': ['The request was aborted by the client.', 'bad-request'],
  };
  const known = typeof type === 'string' ? messages[type] : undefined;
  return new AppError(known?.[0] ?? 'The request could not be read.', {
    status,
    code: known?.[1] ?? 'bad-request',
    cause: error,
  });
}

export { AppError };
